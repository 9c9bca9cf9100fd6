package zerologbridge

import (
	"encoding/binary"
	"unsafe"

	"go.opentelemetry.io/otel/trace"
)

// A span's rendered JSON is shared by the span's lines: rendering costs
// more than copying, and most spans write several lines. Each rendering is
// one allocation without pointers (cheap for the collector): a header of
// the JSON's length and the span context it renders, then the JSON. The
// bytes are never written again once published in the cache.
const (
	fragmentHeader = 2 + 16 + 8 + 1 // length, trace id, span id, flags
	// fragmentSlots is the size of a Hook's direct-mapped cache. Span ids
	// are random, so their low bits spread evenly; a miss costs one
	// rendering and one allocation.
	fragmentSlots = 1024
)

// fragment returns the JSON of sc's fields after the first key, from the
// cache when the span was seen recently.
func (h *Hook) fragment(sc trace.SpanContext) []byte {
	tid, sid, flags := sc.TraceID(), sc.SpanID(), sc.TraceFlags()
	slot := &h.fragments[(binary.LittleEndian.Uint64(sid[:])^binary.LittleEndian.Uint64(tid[8:]))%fragmentSlots]
	if p := slot.Load(); p != nil {
		hdr := unsafe.Slice(p, fragmentHeader)
		if trace.TraceID(hdr[2:18]) == tid && trace.SpanID(hdr[18:26]) == sid && trace.TraceFlags(hdr[26]) == flags {
			return unsafe.Slice(p, fragmentHeader+int(binary.LittleEndian.Uint16(hdr)))[fragmentHeader:]
		}
	}
	buf := make([]byte, fragmentHeader, fragmentHeader+h.tmpl.max)
	copy(buf[2:18], tid[:])
	copy(buf[18:26], sid[:])
	buf[26] = byte(flags)
	buf = h.tmpl.render(buf, sc)
	binary.LittleEndian.PutUint16(buf, uint16(len(buf)-fragmentHeader))
	slot.Store(&buf[0])
	return buf[fragmentHeader:]
}
