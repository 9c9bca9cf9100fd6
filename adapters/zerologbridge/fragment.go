package zerologbridge

import (
	"encoding/binary"
	"unsafe"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
)

// A span's rendered JSON is shared by the span's lines: rendering costs
// more than copying, and most spans write several lines. A span's first
// line renders on the stack and only notes the span; its second line keeps
// its rendering, in one allocation without pointers (cheap for the
// collector): a header of the JSON's length and the span context it
// renders, then the JSON. The bytes are never written again once published
// in the cache. A span that writes one line thus never allocates.
const (
	fragmentHeader = 2 + 16 + 8 + 1 // length, trace id, span id, flags
	// fragmentSlots is the size of a Hook's direct-mapped cache. Span ids
	// are random, so their low bits spread evenly; a miss costs one
	// rendering and one allocation.
	fragmentSlots = 1024
)

// smallRendered and maxRendered are the sizes of the stack buffers a span's
// first line is rendered into: most templates fit the small one, whose
// zeroing costs less. A template that could be longer than the large one (a
// very long project id or service name) is not used, and the fields are
// written one by one.
const (
	smallRendered = 256
	maxRendered   = 1024
)

// cached returns the kept rendering of sc's fields, or nil. A slot whose
// last seen span is another one answers nil without reading its rendering,
// which belongs to a span long gone and is rarely in the CPU's cache.
func (h *Hook) cached(sc trace.SpanContext) []byte {
	tid, sid := sc.TraceID(), sc.SpanID()
	i := fragmentSlot(tid, sid)
	if h.seen[i].Load() != binary.LittleEndian.Uint64(sid[:])^binary.LittleEndian.Uint64(tid[8:]) {
		return nil
	}
	p := h.fragments[i].Load()
	if p == nil {
		return nil
	}
	hdr := unsafe.Slice(p, fragmentHeader)
	if binary.LittleEndian.Uint64(hdr[2:]) != binary.LittleEndian.Uint64(tid[:8]) ||
		binary.LittleEndian.Uint64(hdr[10:]) != binary.LittleEndian.Uint64(tid[8:]) ||
		binary.LittleEndian.Uint64(hdr[18:]) != binary.LittleEndian.Uint64(sid[:]) ||
		hdr[26] != byte(sc.TraceFlags()) {
		return nil
	}
	return unsafe.Slice(p, fragmentHeader+int(binary.LittleEndian.Uint16(hdr)))[fragmentHeader:]
}

// render writes sc's fields into e from a fresh rendering, on the stack for
// a span's first line; from its second line on, the rendering is kept.
func (h *Hook) render(e *zerolog.Event, sc trace.SpanContext) {
	tid, sid := sc.TraceID(), sc.SpanID()
	i := fragmentSlot(tid, sid)
	if key := binary.LittleEndian.Uint64(sid[:]) ^ binary.LittleEndian.Uint64(tid[8:]); h.seen[i].Swap(key) != key {
		if h.tmpl.Max() <= smallRendered {
			var buf [smallRendered]byte
			e.RawJSON(h.tmpl.Key(), h.tmpl.AppendValue(buf[:0], sc))
		} else {
			var buf [maxRendered]byte
			e.RawJSON(h.tmpl.Key(), h.tmpl.AppendValue(buf[:0], sc))
		}
		return
	}
	buf := make([]byte, fragmentHeader, fragmentHeader+h.tmpl.Max())
	copy(buf[2:18], tid[:])
	copy(buf[18:26], sid[:])
	buf[26] = byte(sc.TraceFlags())
	buf = h.tmpl.AppendValue(buf, sc)
	binary.LittleEndian.PutUint16(buf, uint16(len(buf)-fragmentHeader))
	h.fragments[i].Store(&buf[0])
	e.RawJSON(h.tmpl.Key(), buf[fragmentHeader:])
}

// fragmentSlot is the cache slot of a span: span ids are random, so their
// low bits spread evenly.
func fragmentSlot(tid trace.TraceID, sid trace.SpanID) uint64 {
	return (binary.LittleEndian.Uint64(sid[:]) ^ binary.LittleEndian.Uint64(tid[8:])) % fragmentSlots
}
