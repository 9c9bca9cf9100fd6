package slogbridge

import (
	"log/slog"

	"github.com/traceline/traceline/internal/bridge"
)

// The handlers write each of their keys once. A caller's attribute lands
// top-level when it is the record's or added by With before any WithGroup,
// and the members of a group with an empty key are inlined where the group
// stands (slog's rule). Such an attribute whose key is one the line carries
// a field of ours under is dropped: the trace, span, flags and service keys
// when the line has a valid span, a baggage member's key when the member is
// copied. A group under such a key, from WithGroup or slog.Group, is
// dropped whole. Everywhere else, inside a named group and on a line
// without our field of that key, the caller's attribute is written as
// given.

// scanRecord reports whether one of r's attributes holds a context, and
// whether one lands top-level under one of ours (nil when nothing of ours
// is top-level). r is a pointer: a Record is ~300 bytes, and this runs on
// every line.
func scanRecord(r *slog.Record, ours []string) (ctx, clash bool) {
	if r.NumAttrs() == 0 {
		return false, false
	}
	r.Attrs(func(a slog.Attr) bool {
		ctx = ctx || holdsContext(a.Value)
		clash = clash || clashes(a, ours)
		return !ctx || (!clash && len(ours) > 0)
	})
	return ctx, clash
}

// plainRecord reports whether none of r's attributes holds a context or,
// top-level, one of keys: whether the span's fields can simply be added.
func plainRecord(r *slog.Record, keys []string) bool {
	plain := true
	r.Attrs(func(a slog.Attr) bool {
		switch a.Value.Kind() {
		case slog.KindAny, slog.KindGroup:
			plain = !holdsContext(a.Value) && !clashes(a, keys)
			return plain
		}
		for _, k := range keys {
			if len(a.Key) == len(k) && a.Key == k {
				plain = false
				return false
			}
		}
		return true
	})
	return plain
}

// clashes reports whether a, written top-level, holds a key of ours.
func clashes(a slog.Attr, ours []string) bool {
	if a.Key == "" && a.Value.Kind() == slog.KindGroup {
		for _, m := range a.Value.Group() {
			if clashes(m, ours) {
				return true
			}
		}
		return false
	}
	for _, k := range ours {
		if a.Key == k {
			return true
		}
	}
	return false
}

// mayClash reports whether one of attrs, written top-level, holds a key
// that b may write on some line.
func mayClash(attrs []slog.Attr, b *bridge.Bridge) bool {
	for _, a := range attrs {
		if a.Key == "" && a.Value.Kind() == slog.KindGroup {
			if mayClash(a.Value.Group(), b) {
				return true
			}
		} else if b.Owns(a.Key) {
			return true
		}
	}
	return false
}

// clean returns a without the contexts it holds and, when a is written
// top-level, without what it holds under a key of ours (ours is nil
// otherwise); false when nothing is left of it.
func clean(a slog.Attr, ours []string) (slog.Attr, bool) {
	if a.Key != "" && clashes(a, ours) {
		return slog.Attr{}, false
	}
	switch a.Value.Kind() {
	case slog.KindAny:
		if _, isCtx := asContext(a.Value.Any()); isCtx {
			return slog.Attr{}, false
		}
	case slog.KindGroup:
		if a.Key != "" {
			ours = nil // a named group's members are not top-level
		}
		if !holdsContext(a.Value) && !clashes(a, ours) {
			return a, true
		}
		members := a.Value.Group()
		kept := make([]slog.Attr, 0, len(members))
		for _, m := range members {
			if m, keep := clean(m, ours); keep {
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
