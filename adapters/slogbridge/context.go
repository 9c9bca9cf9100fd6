package slogbridge

import (
	"context"
	"log/slog"

	"github.com/traceline/traceline/logbridge"
)

// asContext returns v as a non-nil context.Context. A context given as an
// attribute is turned into trace fields and never printed: its String shows
// the whole chain of values it carries.
func asContext(v any) (context.Context, bool) {
	ctx, ok := v.(context.Context)
	return ctx, ok && ctx != nil
}

// holdsContext reports whether v is a context.Context or a group that holds
// one at any depth. LogValuers are not resolved: their LogValue may be
// costly or panic, and the next handler resolves them.
func holdsContext(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindAny:
		_, ok := asContext(v.Any())
		return ok
	case slog.KindGroup:
		for _, a := range v.Group() {
			if holdsContext(a.Value) {
				return true
			}
		}
	}
	return false
}

// spanContext returns the first context in v (depth first) that carries a
// valid span context, or nil.
func spanContext(v slog.Value) context.Context {
	switch v.Kind() {
	case slog.KindAny:
		if ctx, ok := asContext(v.Any()); ok {
			if _, valid := logbridge.FromContext(ctx); valid {
				return ctx
			}
		}
	case slog.KindGroup:
		for _, a := range v.Group() {
			if ctx := spanContext(a.Value); ctx != nil {
				return ctx
			}
		}
	}
	return nil
}

// splitContexts returns attrs without the contexts they hold (see clean),
// and the last of those contexts that carries a valid span, or nil: what
// With("ctx", ctx) gives a handler.
func splitContexts(attrs []slog.Attr) ([]slog.Attr, context.Context) {
	var ctx context.Context
	kept := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if c := spanContext(a.Value); c != nil {
			ctx = c
		}
		if a, keep := clean(a, nil); keep {
			kept = append(kept, a)
		}
	}
	return kept, ctx
}
