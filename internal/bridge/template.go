package bridge

import (
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/trace"
)

// A JSONTemplate writes a Bridge's span fields as JSON object members,
// "trace_id":"…","span_id":"…","trace_flags":"01" for the OTel profile,
// straight from a span context: the literal text (keys, quotes, a GCP
// prefix, the service name) is escaped once, when the template is compiled,
// and only the ids are encoded per line. A JSON adapter can so write a
// span's fields without encoding the span first, which costs an allocation
// (SpanFields) per new span.
//
// The template is compiled from what SpanFields writes for a probe span and
// checked against it for spans that differ in every way the encodings care
// about, so the two never disagree.
type JSONTemplate struct {
	parts []tmplPart
	// key is the first field's key, and keyLen the length of its member
	// prefix ("key":) at the start of the rendering.
	key    string
	keyLen int
	keys   []string // every member's key, in order
	max    int      // the longest rendering
	// skel is the whole rendering with room for the values, when every
	// value has a fixed width (hex ids and flags: every profile but
	// Datadog's and GCP's sampled flag); holes say where each value goes.
	skel  []byte
	holes []tmplHole
}

// tmplHole is where one fixed-width value goes in the skeleton.
type tmplHole struct {
	at    int
	value tmplValue
}

// tmplPart is the text before one dynamic value, and the value. The last
// part is literal.
type tmplPart struct {
	text  string
	value tmplValue
}

// tmplValue says how a template part turns a span context into text.
type tmplValue uint8

const (
	tvLiteral   tmplValue = iota // the part's text only
	tvTraceHex                   // 32 lower-case hex digits
	tvSpanHex                    // 16 lower-case hex digits
	tvSpanDec                    // the span id as a decimal uint64
	tvFlagsHex                   // "01" / "00"
	tvFlagsBool                  // true / false
)

// maxValueLen is the longest text of each kind of value.
var maxValueLen = [...]int{tvLiteral: 0, tvTraceHex: 32, tvSpanHex: 16, tvSpanDec: 20, tvFlagsHex: 2, tvFlagsBool: 5}

// JSONTemplate returns the Bridge's template, or nil when the fields cannot
// be rendered from a span context alone (a service name that reads like
// an id or flags would be mistaken for one, so none is compiled).
func (b *Bridge) JSONTemplate() *JSONTemplate { return b.tmpl }

// Key returns the key of the first member the template writes.
func (t *JSONTemplate) Key() string { return t.key }

// Keys returns the keys of the members the template writes, in order. The
// slice is shared: do not modify it.
func (t *JSONTemplate) Keys() []string { return t.keys }

// Max returns the length of the longest rendering.
func (t *JSONTemplate) Max() int { return t.max }

// Append appends the members of sc's fields, "key":value,… without a
// leading or trailing comma, to dst. sc must be valid.
func (t *JSONTemplate) Append(dst []byte, sc trace.SpanContext) []byte {
	return t.render(dst, &sc, 0)
}

// AppendValue appends what Append does without the first member's key and
// colon: the first value and every later member. An encoder that takes a
// key and raw JSON (zerolog's RawJSON) writes the fields in one call so.
func (t *JSONTemplate) AppendValue(dst []byte, sc trace.SpanContext) []byte {
	return t.render(dst, &sc, t.keyLen)
}

// Skeleton returns what Append writes for every span with the values left
// blank, when every value has a fixed width; nil otherwise. An encoder that
// owns its buffer copies it there and calls Fill: one copy a line. The
// slice is shared: do not modify it.
func (t *JSONTemplate) Skeleton() []byte { return t.skel }

// Fill writes sc's values into a copy of the skeleton, out. sc must be
// valid and out at least as long as the skeleton.
func (t *JSONTemplate) Fill(out []byte, sc *trace.SpanContext) {
	t.fill(out[:len(t.skel)], 0, sc)
}

// fill writes sc's values into dst, where the skeleton starts at base
// (before dst's start when a prefix of it was skipped).
func (t *JSONTemplate) fill(dst []byte, base int, sc *trace.SpanContext) {
	tid, sid, flags := sc.TraceID(), sc.SpanID(), sc.TraceFlags()
	for _, h := range t.holes {
		v := dst[base+h.at:]
		switch h.value {
		case tvTraceHex:
			putTraceHex((*[32]byte)(v), &tid)
		case tvSpanHex:
			putSpanHex((*[16]byte)(v), &sid)
		case tvFlagsHex:
			v[0], v[1] = hexDigits[flags>>4], hexDigits[flags&0x0f]
		}
	}
}

func (t *JSONTemplate) render(dst []byte, sc *trace.SpanContext, skip int) []byte {
	if t.skel != nil {
		// One copy of the skeleton, then the values in place.
		base := len(dst) - skip
		dst = append(dst, t.skel[skip:]...)
		t.fill(dst, base, sc)
		return dst
	}
	tid, sid, flags := sc.TraceID(), sc.SpanID(), sc.TraceFlags()
	dst = slices.Grow(dst, t.max)
	for i := range t.parts {
		p := &t.parts[i]
		if i == 0 {
			dst = append(dst, p.text[skip:]...)
		} else {
			dst = append(dst, p.text...)
		}
		switch p.value {
		case tvTraceHex:
			dst = appendTraceHex(dst, &tid)
		case tvSpanHex:
			dst = appendSpanHex(dst, &sid)
		case tvSpanDec:
			dst = strconv.AppendUint(dst, binary.BigEndian.Uint64(sid[:]), 10)
		case tvFlagsHex:
			dst = append(dst, hexDigits[flags>>4], hexDigits[flags&0x0f])
		case tvFlagsBool:
			dst = strconv.AppendBool(dst, flags.IsSampled())
		}
	}
	return dst
}

// templateProbe is the span the template is compiled from: every id byte
// differs, so no literal text can be mistaken for part of an id.
var templateProbe = trace.NewSpanContext(trace.SpanContextConfig{
	TraceID:    trace.TraceID{0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78},
	SpanID:     trace.SpanID{0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89},
	TraceFlags: trace.FlagsSampled,
})

// compileTemplate builds the template for b's fields, or returns nil when
// they cannot be rendered from the span context alone.
func compileTemplate(b *Bridge) *JSONTemplate {
	probe := templateProbe
	tid, sid := probe.TraceID(), probe.SpanID()
	fs := b.encode(tid, sid, probe.TraceFlags())
	if len(fs.Fields) == 0 {
		return nil
	}
	t := &JSONTemplate{key: fs.Fields[0].Key}
	var text []byte // literal JSON pending before the next value
	for i, f := range fs.Fields {
		t.keys = append(t.keys, f.Key)
		if i > 0 {
			text = append(text, ',')
		}
		text = appendJSONString(text, f.Key)
		text = append(text, ':')
		if i == 0 {
			t.keyLen = len(text)
		}
		if f.Kind == BoolKind {
			t.parts = append(t.parts, tmplPart{text: string(text), value: tvFlagsBool})
			text = text[:0]
			continue
		}
		v := f.String
		kind := tvLiteral
		switch {
		case strings.HasSuffix(v, tid.String()):
			kind, v = tvTraceHex, strings.TrimSuffix(v, tid.String())
		case v == sid.String():
			kind, v = tvSpanHex, ""
		case v == strconv.FormatUint(binary.BigEndian.Uint64(sid[:]), 10):
			kind, v = tvSpanDec, ""
		case v == probe.TraceFlags().String():
			kind, v = tvFlagsHex, ""
		}
		text = appendJSONString(text, v)
		if kind == tvLiteral {
			continue
		}
		// The value goes inside the quotes, after any prefix.
		text = text[:len(text)-1]
		t.parts = append(t.parts, tmplPart{text: string(text), value: kind})
		text = append(text[:0], '"')
	}
	t.parts = append(t.parts, tmplPart{text: string(text)})
	fixed := true
	for _, p := range t.parts {
		t.max += len(p.text) + maxValueLen[p.value]
		fixed = fixed && p.value != tvSpanDec && p.value != tvFlagsBool
	}
	if fixed {
		for _, p := range t.parts {
			t.skel = append(t.skel, p.text...)
			if p.value != tvLiteral {
				t.holes = append(t.holes, tmplHole{at: len(t.skel), value: p.value})
				t.skel = append(t.skel, make([]byte, maxValueLen[p.value])...)
			}
		}
	}
	if !t.matches(b) {
		return nil
	}
	return t
}

// matches reports whether the template renders what SpanFields writes, for
// spans whose ids and flags differ in every way the encodings care about.
func (t *JSONTemplate) matches(b *Bridge) bool {
	for _, cfg := range []trace.SpanContextConfig{
		{TraceID: trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}, SpanID: trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}, TraceFlags: trace.FlagsSampled},
		{TraceID: trace.TraceID{15: 1}, SpanID: trace.SpanID{7: 1}},
		{TraceID: trace.TraceID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, SpanID: trace.SpanID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, TraceFlags: 0xff},
	} {
		sc := trace.NewSpanContext(cfg)
		var want []byte
		for i, f := range b.encode(sc.TraceID(), sc.SpanID(), sc.TraceFlags()).Fields {
			if i > 0 {
				want = append(want, ',')
			}
			want = append(appendJSONString(want, f.Key), ':')
			switch {
			case f.Kind != BoolKind:
				want = appendJSONString(want, f.String)
			case f.Bool:
				want = append(want, "true"...)
			default:
				want = append(want, "false"...)
			}
		}
		if string(t.Append(nil, sc)) != string(want) {
			return false
		}
	}
	return true
}

// appendTraceHex appends the 32 lower-case hex digits of id.
func appendTraceHex(dst []byte, id *trace.TraceID) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 32)[:n+32]
	putTraceHex((*[32]byte)(dst[n:]), id)
	return dst
}

// appendSpanHex appends the 16 lower-case hex digits of id.
func appendSpanHex(dst []byte, id *trace.SpanID) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 16)[:n+16]
	putSpanHex((*[16]byte)(dst[n:]), id)
	return dst
}

// putTraceHex writes id in lower-case hex, four bytes at a time. On fixed
// sizes the compiler drops every bounds check: three times quicker than a
// loop over a slice.
func putTraceHex(out *[32]byte, id *trace.TraceID) {
	binary.BigEndian.PutUint64(out[0:], hex4(binary.BigEndian.Uint32(id[0:])))
	binary.BigEndian.PutUint64(out[8:], hex4(binary.BigEndian.Uint32(id[4:])))
	binary.BigEndian.PutUint64(out[16:], hex4(binary.BigEndian.Uint32(id[8:])))
	binary.BigEndian.PutUint64(out[24:], hex4(binary.BigEndian.Uint32(id[12:])))
}

// putSpanHex writes id in lower-case hex.
func putSpanHex(out *[16]byte, id *trace.SpanID) {
	binary.BigEndian.PutUint64(out[0:], hex4(binary.BigEndian.Uint32(id[0:])))
	binary.BigEndian.PutUint64(out[8:], hex4(binary.BigEndian.Uint32(id[4:])))
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

// appendJSONString appends s as a JSON string, escaped as zerolog escapes it
// (the template is spliced into zerolog's lines beside its own fields): the
// quote, the backslash, control characters (short forms where JSON has
// them) and DEL; invalid UTF-8 as \ufffd.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			// A byte that starts no valid UTF-8 sequence becomes U+FFFD,
			// escaped, as zerolog, zap and slog write it: the line stays
			// valid UTF-8.
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 || c == 0x7f {
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				dst = append(dst, c)
			}
		}
		i++
	}
	return append(dst, '"')
}
