package zerologbridge

import (
	"encoding/binary"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

// A span's fields are written into a line as one piece of ready JSON: the
// value of the first field and every later "key":value pair, appended with
// Event.RawJSON under the first key, in one copy instead of a key and a
// value escaped byte by byte per field. The JSON is rendered from the span
// context by a template compiled once per Hook, from and checked against
// what logbridge writes for probe spans: the keys, the profile encodings
// and the service name stay logbridge's.

// smallRendered and maxRendered are the sizes of the stack buffers a line
// is rendered into: most templates fit the small one, whose zeroing costs
// less. A template that could be longer than the large one (a very long
// project id or service name) is not used, and the fields are written one
// by one.
const (
	smallRendered = 256
	maxRendered   = 1024
)

// valueKind says how a template part turns a span context into text.
type valueKind uint8

const (
	literalValue valueKind = iota // the part's text only (the service name)
	traceHex                      // 32 lower-case hex digits
	spanHex                       // 16 lower-case hex digits
	spanDecimal                   // the span id as a decimal uint64
	flagsHex                      // "01" / "00"
	flagsBool                     // true / false
)

// maxValueLen is the longest text of each kind of value.
var maxValueLen = [...]int{literalValue: 0, traceHex: 32, spanHex: 16, spanDecimal: 20, flagsHex: 2, flagsBool: 5}

// part is the text before one dynamic value, and the value. The last part
// of a template is literal and closes the fragment.
type part struct {
	text  string // JSON text written before the value
	value valueKind
}

// template renders the JSON fragment of a Bridge's fields after the first
// key.
type template struct {
	key   string // the first key, given to Event.RawJSON
	parts []part
	max   int // longest rendering
}

// compileTemplate builds the template for b's fields, or returns nil when
// they cannot be rendered from the span context alone.
func compileTemplate(b *logbridge.Bridge) *template {
	probe := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78},
		SpanID:     trace.SpanID{0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89},
		TraceFlags: trace.FlagsSampled,
	})
	tid, sid := probe.TraceID(), probe.SpanID()
	fs := b.SpanFields(probe)
	if len(fs.Fields) == 0 {
		return nil
	}
	t := &template{key: fs.Fields[0].Key}
	var text []byte // literal JSON pending before the next value
	for i, f := range fs.Fields {
		if i > 0 {
			text = appendJSONString(append(text, ','), f.Key)
			text = append(text, ':')
		}
		if f.Kind == logbridge.BoolKind {
			t.parts = append(t.parts, part{text: string(text), value: flagsBool})
			text = text[:0]
			continue
		}
		v := f.String
		kind := literalValue
		switch {
		case strings.HasSuffix(v, tid.String()):
			kind, v = traceHex, strings.TrimSuffix(v, tid.String())
		case v == sid.String():
			kind, v = spanHex, ""
		case v == strconv.FormatUint(binary.BigEndian.Uint64(sid[:]), 10):
			kind, v = spanDecimal, ""
		case v == probe.TraceFlags().String():
			kind, v = flagsHex, ""
		}
		text = appendJSONString(text, v)
		if kind == literalValue {
			continue
		}
		// The value goes inside the quotes, after any prefix.
		text = text[:len(text)-1]
		t.parts = append(t.parts, part{text: string(text), value: kind})
		text = append(text[:0], '"')
	}
	t.parts = append(t.parts, part{text: string(text)})
	for _, p := range t.parts {
		t.max += len(p.text) + maxValueLen[p.value]
	}
	if t.max > maxRendered || !t.matches(b) {
		return nil
	}
	return t
}

// matches reports whether the template renders what logbridge writes, for
// spans whose ids and flags differ in every way the encodings care about.
func (t *template) matches(b *logbridge.Bridge) bool {
	for _, cfg := range []trace.SpanContextConfig{
		{TraceID: trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}, SpanID: trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}, TraceFlags: trace.FlagsSampled},
		{TraceID: trace.TraceID{15: 1}, SpanID: trace.SpanID{7: 1}},
		{TraceID: trace.TraceID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, SpanID: trace.SpanID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, TraceFlags: 0xff},
	} {
		sc := trace.NewSpanContext(cfg)
		var want []byte
		for i, f := range b.SpanFields(sc).Fields {
			if i > 0 {
				want = appendJSONString(append(want, ','), f.Key)
				want = append(want, ':')
			}
			switch {
			case f.Kind != logbridge.BoolKind:
				want = appendJSONString(want, f.String)
			case f.Bool:
				want = append(want, "true"...)
			default:
				want = append(want, "false"...)
			}
		}
		if string(t.render(nil, sc)) != string(want) {
			return false
		}
	}
	return true
}

// render appends the JSON fragment of sc's fields to dst.
func (t *template) render(dst []byte, sc trace.SpanContext) []byte {
	for _, p := range t.parts {
		dst = append(dst, p.text...)
		switch p.value {
		case traceHex:
			tid := sc.TraceID()
			dst = appendHex(dst, tid[:])
		case spanHex:
			sid := sc.SpanID()
			dst = appendHex(dst, sid[:])
		case spanDecimal:
			sid := sc.SpanID()
			dst = strconv.AppendUint(dst, binary.BigEndian.Uint64(sid[:]), 10)
		case flagsHex:
			f := sc.TraceFlags()
			dst = append(dst, hexDigits[f>>4], hexDigits[f&0x0f])
		case flagsBool:
			dst = strconv.AppendBool(dst, sc.IsSampled())
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendHex appends src, whose length is a multiple of 4, in lower-case
// hex, four bytes at a time.
func appendHex(dst, src []byte) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, 2*len(src))...)
	out := dst[n:]
	for i := 0; i+4 <= len(src); i += 4 {
		binary.BigEndian.PutUint64(out[2*i:], hex4(binary.BigEndian.Uint32(src[i:])))
	}
	return dst
}

// hex4 returns the eight hex digits of v as the bytes of a big-endian
// uint64: each nibble is spread into a byte of its own, then turned into
// '0'-'9' or 'a'-'f' in every byte at once.
func hex4(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
	letters := ((x + 0x0606060606060606) >> 4) & 0x0101010101010101 // 1 in each byte ≥ 10
	return x + 0x3030303030303030 + letters*('a'-'0'-10)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
