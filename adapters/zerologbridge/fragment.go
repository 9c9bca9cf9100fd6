package zerologbridge

import (
	"bytes"
	"unsafe"

	"github.com/rs/zerolog"

	"github.com/traceline/traceline/logbridge"
)

// A span's fields are written into a line as one piece of ready JSON: the
// value of the first field and every later "key":value pair, appended with
// Event.RawJSON under the first key. That is one copy per line instead of
// a key and a value escaped byte by byte per field, and it is what keeps
// the hook within a few nanoseconds of the bare logger.

// fragment is the JSON of one span's fields after the first key.
type fragment struct {
	fields *logbridge.SpanFields
	raw    []byte
	inline [128]byte
}

// fragmentSlots is the size of a Hook's direct-mapped cache of fragments,
// keyed by the logbridge fields they encode (logbridge's own span cache has
// as many slots).
const fragmentSlots = 1024

// jsonEncoding reports whether zerolog writes JSON (not CBOR, under its
// binary_log build tag): only then are fragments and the duplicate check
// used; otherwise fields go through Event.Str and Event.Bool.
var jsonEncoding = func() bool {
	e := zerolog.Dict()
	return bytes.HasPrefix(encoded(e), []byte("{"))
}()

// fragment returns the JSON of fs after its first key, from the cache when
// the span was seen recently. It allocates once per span.
func (h *Hook) fragment(fs *logbridge.SpanFields) []byte {
	p := uint64(uintptr(unsafe.Pointer(fs)))
	slot := &h.fragments[(p*0x9E3779B97F4A7C15)>>(64-10)%fragmentSlots]
	if f := slot.Load(); f != nil && f.fields == fs {
		return f.raw
	}
	f := &fragment{fields: fs}
	f.raw = f.inline[:0]
	for i, field := range fs.Fields {
		if i > 0 {
			f.raw = appendJSONString(append(f.raw, ','), field.Key)
			f.raw = append(f.raw, ':')
		}
		switch {
		case field.Kind != logbridge.BoolKind:
			f.raw = appendJSONString(f.raw, field.String)
		case field.Bool:
			f.raw = append(f.raw, "true"...)
		default:
			f.raw = append(f.raw, "false"...)
		}
	}
	slot.Store(f)
	return f.raw
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
