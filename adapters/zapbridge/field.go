package zapbridge

import (
	"context"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/internal/bridge"
)

// contextKey is the key of the field that Context returns. The bridge's
// cores never write it; it only shows in cores that keep raw fields.
const contextKey = "context"

// Context returns a field that carries ctx to a core built by NewCore or
// NewJSONCore, which replaces it with the trace fields of ctx's span.
// Encoders skip the field, so a logger without the bridge neither prints
// the context nor fails. A nil ctx gives zap.Skip().
func Context(ctx context.Context) zap.Field {
	if ctx == nil {
		return zap.Skip()
	}
	return zap.Field{Key: contextKey, Type: zapcore.SkipType, Interface: ctx}
}

// contextOf returns the context a field carries: one made by Context, or by
// zap.Any / zap.Reflect / zap.Stringer with a context.Context value (what
// the sugared logger and OpenTelemetry's contrib otelzap bridge produce).
func contextOf(f *zapcore.Field) (context.Context, bool) {
	switch f.Type {
	case zapcore.SkipType, zapcore.StringerType, zapcore.ReflectType:
		ctx, ok := f.Interface.(context.Context)
		return ctx, ok && ctx != nil
	}
	return nil, false
}

// scan returns the last context among fields, how many fields carry one,
// and whether any of them is a field an encoder would print (not a
// zapcore.SkipType field).
func scan(fields []zapcore.Field) (ctx context.Context, n int, printed bool) {
	for i := range fields {
		if x, ok := contextOf(&fields[i]); ok {
			ctx = x
			n++
			printed = printed || fields[i].Type != zapcore.SkipType
		}
	}
	return ctx, n, printed
}

// lineContext reports whether the fields can go to an encoder as they are
// when the bridge writes keys, whose lengths are lens (see lengthsOf), at
// the top level: no context among them would be printed and no top-level
// field has one of keys. If so, it returns the last context among them
// (nil if none) too. top says whether the fields start at the top level of
// the object.
func lineContext(fields []zapcore.Field, top bool, keys []string, lens uint64) (ctx context.Context, plain bool) {
	for i := range fields {
		f := &fields[i]
		switch f.Type {
		case zapcore.SkipType:
			if x, ok := f.Interface.(context.Context); ok {
				ctx = x
			}
			continue
		case zapcore.StringerType, zapcore.ReflectType:
			if _, ok := f.Interface.(context.Context); ok {
				return nil, false
			}
		}
		if top && lens&lengthBit(f.Key) != 0 && hasKey(keys, f.Key) {
			return nil, false
		}
		top = top && f.Type != zapcore.NamespaceType
	}
	return ctx, true
}

// lengthsOf returns the set of the lengths of keys as bits, lengthBit of
// each.
func lengthsOf(keys []string) uint64 {
	var lens uint64
	for _, k := range keys {
		lens |= lengthBit(k)
	}
	return lens
}

// lengthBit returns bit len(key), or bit 0 for a key 64 bytes long or
// longer (or empty).
func lengthBit(key string) uint64 {
	if n := len(key); n < 64 {
		return 1 << n
	}
	return 1
}

// spanContextOf returns ctx's valid span context; a context whose Value
// panics has none.
func spanContextOf(ctx context.Context) (trace.SpanContext, bool) {
	span := spanOf(ctx)
	if span == nil {
		return trace.SpanContext{}, false
	}
	sc := span.SpanContext()
	return sc, sc.IsValid()
}

// spanOf returns ctx's span (a no-op span when it has none), or nil when
// its Value panics. Only the lookup is guarded: a deferred recover that
// also covers copying the span context out costs twice as much.
func spanOf(ctx context.Context) (span trace.Span) {
	defer func() {
		if recover() != nil {
			span = nil
		}
	}()
	return trace.SpanFromContext(ctx)
}

// appendBaggage appends ctx's configured baggage members to dst as string
// fields; a context whose Value panics has none.
func appendBaggage(dst []zapcore.Field, b *bridge.Bridge, ctx context.Context) (out []zapcore.Field) {
	if !b.HasBaggage() {
		return dst
	}
	defer func() {
		if recover() != nil {
			out = dst
		}
	}()
	var arr [8]bridge.Field
	for _, m := range b.AppendBaggage(arr[:0], ctx) {
		dst = append(dst, zapcore.Field{Key: m.Key, Type: zapcore.StringType, String: m.String})
	}
	return dst
}

// spanFields writes a span's cached fields inline, at the top level of the
// line. A *spanFields converts to an interface without allocating, and the
// data it points to is immutable, so a core may keep the field.
type spanFields bridge.SpanFields

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (f *spanFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for i := range f.Fields {
		x := &f.Fields[i]
		if x.Kind == bridge.BoolKind {
			enc.AddBool(x.Key, x.Bool)
		} else {
			enc.AddString(x.Key, x.String)
		}
	}
	return nil
}

// inline returns the single field that stands for a span's fields.
func inline(sf *bridge.SpanFields) zapcore.Field {
	return zapcore.Field{Type: zapcore.InlineMarshalerType, Interface: (*spanFields)(sf)}
}

// probeSpan is a valid span context NewJSONCore encodes at construction,
// to check its JSON template against zap.
var probeSpan = trace.NewSpanContext(trace.SpanContextConfig{
	TraceID:    trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
	SpanID:     trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31},
	TraceFlags: trace.FlagsSampled,
})

// copiesBaggage reports whether b copies the baggage member key into lines.
// The Bridge says so only for a context that holds the member: it is asked
// with one. With calls it for the fields it is given, never a line.
func copiesBaggage(b *bridge.Bridge, key string) bool {
	if !b.HasBaggage() {
		return false
	}
	m, err := baggage.NewMemberRaw(key, "x")
	if err != nil {
		return false
	}
	bag, err := baggage.New(m)
	if err != nil {
		return false
	}
	return len(b.AppendBaggage(nil, baggage.ContextWithBaggage(context.Background(), bag))) > 0
}

// hasKey reports whether key is among keys.
func hasKey(keys []string, key string) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}

// bagHasKey reports whether key is among the baggage fields bag.
func bagHasKey(bag []zapcore.Field, key string) bool {
	for i := range bag {
		if bag[i].Key == key {
			return true
		}
	}
	return false
}

// appendLineFields appends the line's fields to out without their contexts
// and without the top-level fields whose key the bridge writes on this line:
// keys (the span's, when the line has one) or a baggage member in bag. top
// says whether the line's fields start at the top level of the object (no
// namespace is open).
func appendLineFields(out, fields []zapcore.Field, top bool, keys []string, bag []zapcore.Field) []zapcore.Field {
	for i := range fields {
		f := &fields[i]
		if _, isCtx := contextOf(f); isCtx {
			continue
		}
		if top && (hasKey(keys, f.Key) || bagHasKey(bag, f.Key)) {
			continue
		}
		if f.Type == zapcore.NamespaceType {
			top = false
		}
		out = append(out, *f)
	}
	return out
}

// collides reports whether appendLineFields would drop a field other than a
// context.
func collides(fields []zapcore.Field, top bool, keys []string, bag []zapcore.Field) bool {
	for i := 0; top && i < len(fields); i++ {
		f := &fields[i]
		if f.Type == zapcore.SkipType {
			continue // a context, or nothing an encoder writes
		}
		if hasKey(keys, f.Key) || bagHasKey(bag, f.Key) {
			return true
		}
		top = f.Type != zapcore.NamespaceType
	}
	return false
}
