package slogbridge

import (
	"context"
	"log/slog"

	"github.com/traceline/traceline/logbridge"
)

// holdsContext reports whether v is a context.Context or a group that holds
// one at any depth. LogValuers are not resolved: their LogValue may be
// costly or panic, and the next handler resolves them.
func holdsContext(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindAny:
		_, ok := logbridge.IsContext(v.Any())
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

// recordHoldsContext reports whether one of r's attributes holds a context
// (see holdsContext). r is a pointer: a Record is ~300 bytes, and this runs
// on every line.
func recordHoldsContext(r *slog.Record) bool {
	found := false
	if r.NumAttrs() > 0 {
		r.Attrs(func(a slog.Attr) bool {
			found = holdsContext(a.Value)
			return !found
		})
	}
	return found
}

// spanContext returns the first context in v (depth first) that carries a
// valid span context, or nil.
func spanContext(v slog.Value) context.Context {
	switch v.Kind() {
	case slog.KindAny:
		if ctx, ok := logbridge.IsContext(v.Any()); ok {
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

// withoutContext returns a without the contexts it holds, and false when
// nothing is left of it: a context is never printed, since its String shows
// the whole chain of values it carries.
func withoutContext(a slog.Attr) (slog.Attr, bool) {
	switch a.Value.Kind() {
	case slog.KindAny:
		_, isCtx := logbridge.IsContext(a.Value.Any())
		return a, !isCtx
	case slog.KindGroup:
		if !holdsContext(a.Value) {
			return a, true
		}
		members := a.Value.Group()
		kept := make([]slog.Attr, 0, len(members))
		for _, m := range members {
			if m, keep := withoutContext(m); keep {
				kept = append(kept, m)
			}
		}
		if len(kept) == 0 {
			return slog.Attr{}, false
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(kept...)}, true
	}
	return a, true
}

// splitContexts returns attrs without the contexts they hold (see
// withoutContext), and the last of those contexts that carries a valid
// span, or nil: what With("ctx", ctx) gives a handler.
func splitContexts(attrs []slog.Attr) ([]slog.Attr, context.Context) {
	var ctx context.Context
	kept := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if c := spanContext(a.Value); c != nil {
			ctx = c
		}
		if a, keep := withoutContext(a); keep {
			kept = append(kept, a)
		}
	}
	return kept, ctx
}
