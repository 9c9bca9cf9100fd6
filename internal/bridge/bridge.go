package bridge

import (
	"context"
	"encoding/binary"
	"strconv"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/traceline/traceline/internal/settings"
	"github.com/traceline/traceline/logbridge"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

// Bridge is the compiled form of a set of Options, shared by an adapter and
// every logger derived from it. It is safe for concurrent use.
type Bridge struct {
	cfg     settings.Config
	service []Field // service-name fields, one per distinct key
	keys    map[string]struct{}
	idSize  int // bytes of encoded ids a span needs
	// plain: every key and literal value the Bridge writes is printable
	// ASCII that no JSON encoder escapes (see PlainJSON).
	plain bool
	tmpl  *JSONTemplate // nil when the fields cannot be rendered from ids alone
	steps []step        // how encode writes a span's fields, in order
	cache [cacheSlots]atomic.Pointer[SpanFields]
}

// cacheSlots is the size of the direct-mapped cache of encoded spans. Span
// ids are random, so their low bits spread evenly; 1024 live spans per
// process hit the cache nearly always, and a miss costs one allocation.
const cacheSlots = 1024

// New compiles opts into a Bridge. Adapters call it once at construction.
func New(opts ...logbridge.Option) *Bridge {
	b := &Bridge{cfg: settings.Resolve(opts), keys: map[string]struct{}{}}
	for _, p := range b.cfg.Profiles {
		for _, k := range []string{p.TraceKey, p.SpanKey, p.FlagsKey} {
			if k == "" {
				continue
			}
			if _, dup := b.keys[k]; dup {
				continue
			}
			b.keys[k] = struct{}{}
		}
		b.idSize += 32 + 20 + 2
		if p.Trace == settings.TraceGCP {
			b.idSize += len("projects//traces/") + len(p.GCPProject)
		}
	}
	if b.cfg.Service != "" {
		for _, p := range b.cfg.Profiles {
			if _, dup := b.keys[p.ServiceKey]; dup {
				continue
			}
			b.keys[p.ServiceKey] = struct{}{}
			b.service = append(b.service, Field{Key: p.ServiceKey, String: b.cfg.Service})
		}
	}
	kept := b.cfg.BaggageKeys[:0:0]
	for _, k := range b.cfg.BaggageKeys {
		if _, dup := b.keys[k]; !dup {
			b.keys[k] = struct{}{}
			kept = append(kept, k)
		}
	}
	b.cfg.BaggageKeys = kept
	b.plain = true
	for _, p := range b.cfg.Profiles {
		for _, k := range []string{p.TraceKey, p.SpanKey, p.FlagsKey, p.GCPProject} {
			b.plain = b.plain && plainJSON(k)
		}
	}
	for _, f := range b.service {
		b.plain = b.plain && plainJSON(f.Key) && plainJSON(f.String)
	}
	b.steps = b.plan()
	b.tmpl = compileTemplate(b)
	return b
}

// plainJSON reports whether s is written unchanged inside a JSON string by
// every common encoder: printable ASCII other than the quote, the
// backslash, and the characters HTML-safe encoders escape (<, > and &).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// Profiles returns the profiles the Bridge writes, in order.
func (b *Bridge) Profiles() []settings.Profile {
	return append([]settings.Profile(nil), b.cfg.Profiles...)
}

// Owns reports whether key is one the Bridge writes (a trace, span, flags,
// service or baggage key), so an adapter can drop a caller's field of the
// same name instead of writing the key twice.
func (b *Bridge) Owns(key string) bool {
	_, ok := b.keys[key]
	return ok
}

// HasBaggage reports whether the Bridge copies any baggage members.
func (b *Bridge) HasBaggage() bool { return len(b.cfg.BaggageKeys) > 0 }

// BaggageKeys returns the baggage members the Bridge copies, in the order
// AppendBaggage writes them.
func (b *Bridge) BaggageKeys() []string {
	return append([]string(nil), b.cfg.BaggageKeys...)
}

// SpanKeys returns the keys of the fields the Bridge writes for every
// valid span (trace, span, flags, service), in the order of
// SpanFields.Fields.
func (b *Bridge) SpanKeys() []string {
	keys := make([]string, len(b.steps))
	for i := range b.steps {
		keys[i] = b.steps[i].literal.Key
	}
	return keys
}

// SpanFields are the encoded fields of one span under a Bridge's profiles,
// followed by the service fields. They are immutable and shared by every
// line of the span.
type SpanFields struct {
	traceID trace.TraceID
	spanID  trace.SpanID
	flags   trace.TraceFlags
	owner   *Bridge

	// Fields are the trace, span, flags and service fields to write, in
	// profile order.
	Fields []Field
}

// spanFieldsTiny, spanFieldsSmall and spanFieldsLarge hold a SpanFields
// together with the arrays its Fields and their strings live in, so that
// encoding a span is one allocation sized to the Bridge: the usual single
// profile's three id fields fit the tiny one, 240 bytes, and with a service
// name the small one, 288 bytes.
type spanFieldsTiny struct {
	SpanFields
	fields [3]Field
	buf    [56]byte
}

type spanFieldsSmall struct {
	SpanFields
	fields [4]Field
	buf    [64]byte
}

type spanFieldsLarge struct {
	SpanFields
	fields [12]Field
	buf    [320]byte
}

// PlainJSON reports whether every key and literal value the Bridge writes
// (keys, a GCP project, the service name) needs no escaping in JSON, so that
// the SpanFields of every span report PlainJSON. An adapter can choose its
// JSON path once.
func (b *Bridge) PlainJSON() bool { return b.plain }

// PlainJSON reports whether the keys and string values of f need no
// escaping in JSON (see plainJSON), so that an encoder may copy them between
// quotes as they are. Ids are hex or decimal digits; the keys, a GCP project
// and the service name come from the Bridge's options.
func (f *SpanFields) PlainJSON() bool { return f.owner != nil && f.owner.plain }

// SpanContext returns the span context the fields were encoded from.
func (f *SpanFields) SpanContext() trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: f.traceID, SpanID: f.spanID, TraceFlags: f.flags})
}

// Fields returns the encoded fields for ctx's span and true, or nil and
// false when ctx carries no valid span context. After a span's first line
// it does not allocate.
func (b *Bridge) Fields(ctx context.Context) (*SpanFields, bool) {
	sc, ok := logbridge.FromContext(ctx)
	if !ok {
		return nil, false
	}
	return b.SpanFields(sc), true
}

// SpanFields returns the encoded fields of a valid span context, from the
// Bridge's cache when the span was seen recently. sc must be valid.
func (b *Bridge) SpanFields(sc trace.SpanContext) *SpanFields {
	tid, sid, flags := sc.TraceID(), sc.SpanID(), sc.TraceFlags()
	slot := &b.cache[(binary.LittleEndian.Uint64(sid[:])^binary.LittleEndian.Uint64(tid[8:]))%cacheSlots]
	if f := slot.Load(); f != nil && f.spanID == sid && f.traceID == tid && f.flags == flags {
		return f
	}
	f := b.encode(tid, sid, flags)
	slot.Store(f)
	return f
}

func (b *Bridge) encode(tid trace.TraceID, sid trace.SpanID, flags trace.TraceFlags) *SpanFields {
	n := len(b.steps)
	// All strings of a span point into one buffer that is never written
	// again once the fields are published. The buffer is sized to the
	// Bridge (idSize), so the appends below never move it.
	var f *SpanFields
	var buf []byte
	switch {
	case n <= 3 && b.idSize <= 56:
		x := &spanFieldsTiny{}
		f, buf = &x.SpanFields, x.buf[:0]
		f.Fields = x.fields[:n]
	case n <= 4 && b.idSize <= 64:
		x := &spanFieldsSmall{}
		f, buf = &x.SpanFields, x.buf[:0]
		f.Fields = x.fields[:n]
	case n <= 12 && b.idSize <= 320:
		x := &spanFieldsLarge{}
		f, buf = &x.SpanFields, x.buf[:0]
		f.Fields = x.fields[:n]
	default:
		f = &SpanFields{Fields: make([]Field, n)}
		buf = make([]byte, 0, b.idSize)
	}
	f.traceID, f.spanID, f.flags, f.owner = tid, sid, flags, b
	for i := range b.steps {
		s, out := &b.steps[i], &f.Fields[i]
		if s.value == tvLiteral {
			*out = s.literal
			continue
		}
		start := len(buf)
		switch s.value {
		case tvTraceHex:
			buf = append(buf, s.prefix...)
			buf = appendTraceHex(buf, &tid)
		case tvSpanHex:
			buf = appendSpanHex(buf, &sid)
		case tvSpanDec:
			buf = strconv.AppendUint(buf, binary.BigEndian.Uint64(sid[:]), 10)
		case tvFlagsHex:
			buf = append(buf, hexDigits[flags>>4], hexDigits[flags&0x0f])
		case tvFlagsBool:
			out.Key, out.Bool, out.Kind = s.literal.Key, flags.IsSampled(), BoolKind
			continue
		}
		out.Key, out.String = s.literal.Key, unsafe.String(&buf[start], len(buf)-start)
	}
	return f
}

// step is how encode writes one field of a span: its key (in literal) and
// what its value is.
type step struct {
	value   tmplValue // as a template's part; tvLiteral: a field that is the same for every span (the service)
	prefix  string    // written before a trace id (GCP's projects/P/traces/)
	literal Field     // the key, and the whole field of a tvLiteral
}

// plan returns the steps that encode a span's fields under b's profiles:
// for each profile its trace, span and flags fields, each key once, then
// the service fields.
func (b *Bridge) plan() []step {
	var steps []step
	add := func(key string, v tmplValue, prefix string) {
		for _, s := range steps {
			if s.literal.Key == key {
				return
			}
		}
		steps = append(steps, step{value: v, prefix: prefix, literal: Field{Key: key}})
	}
	for _, p := range b.cfg.Profiles {
		prefix := ""
		if p.Trace == settings.TraceGCP {
			prefix = "projects/" + p.GCPProject + "/traces/"
		}
		add(p.TraceKey, tvTraceHex, prefix)
		if p.Span == settings.SpanDecimal {
			add(p.SpanKey, tvSpanDec, "")
		} else {
			add(p.SpanKey, tvSpanHex, "")
		}
		switch {
		case p.FlagsKey == "":
		case p.Flags == settings.FlagsBool:
			add(p.FlagsKey, tvFlagsBool, "")
		default:
			add(p.FlagsKey, tvFlagsHex, "")
		}
	}
	for _, f := range b.service {
		steps = append(steps, step{value: tvLiteral, literal: f})
	}
	return steps
}

const hexDigits = "0123456789abcdef"

// AppendBaggage appends a string Field for each configured baggage member
// present in ctx, its value cut to the configured limit.
func (b *Bridge) AppendBaggage(dst []Field, ctx context.Context) []Field {
	if len(b.cfg.BaggageKeys) == 0 || ctx == nil {
		return dst
	}
	bag := baggage.FromContext(ctx)
	if bag.Len() == 0 {
		return dst
	}
	for _, k := range b.cfg.BaggageKeys {
		m := bag.Member(k)
		if m.Key() == "" {
			continue
		}
		dst = append(dst, Field{Key: k, String: truncate(m.Value(), b.cfg.BaggageLimit)})
	}
	return dst
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
