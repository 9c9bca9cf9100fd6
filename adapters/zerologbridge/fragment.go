package zerologbridge

import (
	"encoding/binary"
	"unsafe"

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

// fragment appends the JSON of sc's fields after the first key to dst (a
// stack buffer with room for it) and returns it, or returns the cached
// rendering when the span was seen recently.
func (h *Hook) fragment(dst []byte, sc trace.SpanContext) []byte {
	tid, sid, flags := sc.TraceID(), sc.SpanID(), sc.TraceFlags()
	key := binary.LittleEndian.Uint64(sid[:]) ^ binary.LittleEndian.Uint64(tid[8:])
	i := key % fragmentSlots
	if p := h.fragments[i].Load(); p != nil {
		hdr := unsafe.Slice(p, fragmentHeader)
		if trace.TraceID(hdr[2:18]) == tid && trace.SpanID(hdr[18:26]) == sid && trace.TraceFlags(hdr[26]) == flags {
			return unsafe.Slice(p, fragmentHeader+int(binary.LittleEndian.Uint16(hdr)))[fragmentHeader:]
		}
	}
	if h.seen[i].Swap(key) != key {
		return h.tmpl.render(dst, sc) // the span's first line, or a rare one
	}
	buf := make([]byte, fragmentHeader, fragmentHeader+h.tmpl.max)
	copy(buf[2:18], tid[:])
	copy(buf[18:26], sid[:])
	buf[26] = byte(flags)
	buf = h.tmpl.render(buf, sc)
	binary.LittleEndian.PutUint16(buf, uint16(len(buf)-fragmentHeader))
	h.fragments[i].Store(&buf[0])
	return buf[fragmentHeader:]
}
