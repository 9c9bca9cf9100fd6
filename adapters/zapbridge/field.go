package zapbridge

import (
	"context"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/logbridge"
)

// ContextKey is the key of the field that Context returns. A core built by
// NewCore never writes it; it only shows in cores that keep raw fields.
const ContextKey = "context"

// Context returns a field that carries ctx to a core built by NewCore, which
// replaces it with the trace fields of ctx's span. Encoders skip the field,
// so a logger without a bridge core neither prints the context nor fails.
// A nil ctx gives zap.Skip().
func Context(ctx context.Context) zap.Field {
	if ctx == nil {
		return zap.Skip()
	}
	return zap.Field{Key: ContextKey, Type: zapcore.SkipType, Interface: ctx}
}

// contextOf returns the context a field carries: one made by Context, or by
// zap.Any / zap.Reflect / zap.Stringer with a context.Context value (what
// the sugared logger and OpenTelemetry's contrib otelzap bridge produce).
func contextOf(f *zapcore.Field) (context.Context, bool) {
	switch f.Type {
	case zapcore.SkipType, zapcore.StringerType, zapcore.ReflectType:
		if f.Interface == nil {
			return nil, false
		}
		return logbridge.IsContext(f.Interface)
	}
	return nil, false
}

// spanFields writes a span's cached fields inline, at the top level of the
// line. A *spanFields converts to an interface without allocating, and the
// data it points to is immutable, so a core may keep the field.
type spanFields logbridge.SpanFields

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (f *spanFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for i := range f.Fields {
		x := &f.Fields[i]
		if x.Kind == logbridge.BoolKind {
			enc.AddBool(x.Key, x.Bool)
		} else {
			enc.AddString(x.Key, x.String)
		}
	}
	return nil
}

// inline returns the single field that stands for a span's fields.
func inline(sf *logbridge.SpanFields) zapcore.Field {
	return zapcore.Field{Type: zapcore.InlineMarshalerType, Interface: (*spanFields)(sf)}
}

// renderedSpan carries a line's span context to NewJSONEncoder's encoder,
// which renders the fields from the Bridge's template. It lives in the
// pooled scratch space of the line, so it is only handed to that encoder
// (see rendersFor), which is done with it when Write returns; through any
// other encoder it would still write the right fields.
type renderedSpan struct {
	sc trace.SpanContext
	b  *logbridge.Bridge
}

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (r *renderedSpan) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	return (*spanFields)(r.b.SpanFields(r.sc)).MarshalLogObject(enc)
}
