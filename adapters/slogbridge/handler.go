package slogbridge

import (
	"context"
	"log/slog"

	"github.com/traceline/traceline/logbridge"
)

// Handler is a slog.Handler that adds the trace fields of a record's
// context to the record and hands it to the next handler. Make one with
// NewHandler.
type Handler struct {
	next slog.Handler // with every attribute added before the first group
	b    *logbridge.Bridge
	// ctx is a context given as an attribute to With; it supplies the trace
	// when a record's own context has none.
	ctx context.Context
	// groups are the groups opened by WithGroup, outermost first. They are
	// not passed on to next, so that the trace fields stay top-level; the
	// caller's attributes are nested into them at Handle.
	groups []group
}

// group is one open group and the attributes added while it was the
// innermost one.
type group struct {
	name  string
	attrs []slog.Attr
}

var _ slog.Handler = (*Handler)(nil)

// maxInline is how many baggage members Handle reads without allocating.
const maxInline = 16

// slogInline is how many attributes a slog.Record holds without allocating.
const slogInline = 5

// NewHandler returns a slog.Handler that writes the trace fields of each
// record's context (the ctx of InfoContext, Log and LogAttrs) top-level,
// under the profiles opts select (OTel by default), and passes the record
// to next. Wrap the handler a service already uses:
//
//	logger := slog.New(slogbridge.NewHandler(slog.NewJSONHandler(os.Stdout, nil)))
func NewHandler(next slog.Handler, opts ...logbridge.Option) slog.Handler {
	return &Handler{next: next, b: logbridge.New(opts...)}
}

// Enabled reports whether next handles records at level. Nothing is read
// from the context for a disabled level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the trace fields to a copy of r and passes it to next. r and
// its attributes are never modified.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	// A context among the record's attributes is dropped, and supplies the
	// trace when ctx has none (slog.Info("...", "ctx", ctx)).
	ctxAttr := recordHoldsContext(&r)
	src := ctx
	fs, ok := h.b.Fields(ctx)
	if !ok && ctxAttr {
		r.Attrs(func(a slog.Attr) bool {
			if c := spanContext(a.Value); c != nil {
				src = c
				return false
			}
			return true
		})
		fs, ok = h.b.Fields(src)
	}
	if !ok && h.ctx != nil {
		if fs, ok = h.b.Fields(h.ctx); ok {
			src = h.ctx
		}
	}

	if len(h.groups) == 0 && !ctxAttr {
		if !ok && !h.b.HasBaggage() {
			return h.next.Handle(ctx, r)
		}
		// Clone keeps our additions out of the array the caller's record
		// shares with r; up to five attributes stay in the record itself.
		r = r.Clone()
		var fields []logbridge.Field
		if ok {
			fields = fs.Fields
		}
		var bag []logbridge.Field
		if h.b.HasBaggage() {
			var arr [maxInline]logbridge.Field
			bag = h.b.AppendBaggage(arr[:0], src)
		}
		if n := len(fields) + len(bag); r.NumAttrs()+n <= slogInline {
			// Into the record's own array, in one call: AddAttrs copies
			// from arr, which stays on the stack.
			var arr [slogInline]slog.Attr
			as := arr[:0]
			for _, f := range fields {
				as = append(as, attr(f))
			}
			for _, f := range bag {
				as = append(as, attr(f))
			}
			r.AddAttrs(as...)
		} else {
			// Past the record's array slog allocates once for the rest.
			var arr [2 * maxInline]slog.Attr
			as := arr[:0]
			for _, f := range fields {
				as = append(as, attr(f))
			}
			for _, f := range bag {
				as = append(as, attr(f))
			}
			r.AddAttrs(as...)
		}
		return h.next.Handle(ctx, r)
	}
	var arr [2 * maxInline]slog.Attr
	trace := arr[:0]
	if ok {
		for _, f := range fs.Fields {
			trace = append(trace, attr(f))
		}
	}
	if h.b.HasBaggage() {
		var bag [maxInline]logbridge.Field
		for _, f := range h.b.AppendBaggage(bag[:0], src) {
			trace = append(trace, attr(f))
		}
	}
	return h.next.Handle(ctx, h.rebuild(r, trace))
}

// rebuild returns a new record with r's attributes, contexts removed,
// nested in the open groups, followed by the top-level trace attributes.
func (h *Handler) rebuild(r slog.Record, trace []slog.Attr) slog.Record {
	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		if a, keep := withoutContext(a); keep {
			attrs = append(attrs, a)
		}
		return true
	})
	for i := len(h.groups) - 1; i >= 0; i-- {
		g := h.groups[i]
		inner := make([]slog.Attr, 0, len(g.attrs)+len(attrs))
		inner = append(append(inner, g.attrs...), attrs...)
		attrs = []slog.Attr{{Key: g.name, Value: slog.GroupValue(inner...)}}
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(attrs...)
	nr.AddAttrs(trace...)
	return nr
}

// WithAttrs returns a Handler whose records carry attrs, inside the groups
// opened so far. A context among attrs is not written: it supplies the trace
// for records whose own context has none (logger.With("ctx", ctx)).
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	kept, c := splitContexts(attrs)
	if c != nil {
		h2.ctx = c
	}
	if len(h.groups) == 0 {
		if len(kept) > 0 {
			h2.next = h.next.WithAttrs(kept)
		}
		return &h2
	}
	h2.groups = append([]group(nil), h.groups...)
	last := &h2.groups[len(h2.groups)-1]
	last.attrs = append(last.attrs[:len(last.attrs):len(last.attrs)], kept...)
	return &h2
}

// WithGroup returns a Handler that nests the attributes added after it, and
// those of each record, under name. The trace fields stay top-level.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = append(h.groups[:len(h.groups):len(h.groups)], group{name: name})
	return &h2
}

func attr(f logbridge.Field) slog.Attr {
	if f.Kind == logbridge.BoolKind {
		return slog.Bool(f.Key, f.Bool)
	}
	return slog.String(f.Key, f.String)
}
