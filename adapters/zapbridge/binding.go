package zapbridge

import (
	"context"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/internal/bridge"
)

// binding is what With bound to a core: the span and baggage of a context,
// if one was given. A core's binding is copied by With and never changed
// after.
type binding struct {
	bound bool               // With was given a context
	sc    trace.SpanContext  // its valid span context, when ok
	ok    bool               // it had a valid span
	span  *bridge.SpanFields // sc's encoded fields, when ok
	bag   []zapcore.Field    // its baggage members, as string fields
}

// bind binds ctx's span and baggage to d, a copy being made by With. A
// context without a valid span does not unbind a span bound before.
func (d *binding) bind(b *bridge.Bridge, ctx context.Context) {
	sc, ok := spanContextOf(ctx)
	if !ok && d.bound {
		return
	}
	*d = binding{bound: true, sc: sc, ok: ok, bag: appendBaggage(nil, b, ctx)}
	if ok {
		d.span = b.SpanFields(sc)
	}
}

// resolve returns the span context of a line whose last context is ctx
// (nil if none), whether it is valid, and whether it is the line's own
// (fromLine: the line's baggage counts) rather than the bound one. A line's
// context with a valid span replaces the bound span for that line; one
// without leaves the bound span in place.
func (d *binding) resolve(ctx context.Context) (sc trace.SpanContext, ok, fromLine bool) {
	if ctx != nil {
		if sc, ok := spanContextOf(ctx); ok || !d.bound {
			return sc, ok, true
		}
	}
	return d.sc, d.ok, false
}
