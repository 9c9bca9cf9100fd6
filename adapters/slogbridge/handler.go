package slogbridge

import (
	"context"
	"log/slog"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

// Handler is a slog.Handler that adds the trace fields of a record's
// context to the record and hands it to the next handler. Make one with
// NewHandler.
type Handler struct {
	next slog.Handler // with every attribute added before the first group
	b    *bridge.Bridge
	// ctx is a context given as an attribute to With; it supplies the trace
	// when a record's own context has none.
	ctx context.Context
	// pre are top-level attributes added with With from the first one that
	// holds a key the bridge may write: whether that key is kept depends on
	// each line's span, so they are not passed on to next.
	pre []slog.Attr
	// groups are the groups opened by WithGroup, outermost first. They are
	// not passed on to next, so that the trace fields stay top-level; the
	// caller's attributes are nested into them at Handle.
	groups []group
	// keys are the keys of a span's fields, in order.
	keys []string
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

// NewHandler returns a Handler that writes the trace fields of each
// record's context (the ctx of InfoContext, Log and LogAttrs) top-level,
// under the profiles opts select (OTel by default), and passes the record
// to next. Wrap the handler a service already uses:
//
//	logger := slog.New(slogbridge.NewHandler(slog.NewJSONHandler(os.Stdout, nil)))
func NewHandler(next slog.Handler, opts ...logbridge.Option) *Handler {
	return newHandler(next, bridge.New(opts...))
}

// newHandler returns a Handler over next that writes what b compiles.
func newHandler(next slog.Handler, b *bridge.Bridge) *Handler {
	return &Handler{next: next, b: b, keys: b.SpanKeys()}
}

// Enabled reports whether next handles records at level. Nothing is read
// from the context for a disabled level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the trace fields to a copy of r and passes it to next. r and
// its attributes are never modified.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if len(h.groups) == 0 && len(h.pre) == 0 && !h.b.HasBaggage() {
		// The common case: the fields of ctx's span alone are added, to a
		// record that holds no context and no key of ours.
		if fs, ok := h.b.Fields(ctx); ok && len(fs.Fields) <= maxFast {
			if plainRecord(&r, h.keys) {
				// Clone keeps our additions out of the array the caller's
				// record shares with r; up to five attributes stay in the
				// record itself, past them slog allocates once for the rest.
				r = r.Clone()
				var arr [maxFast]slog.Attr
				for i := range fs.Fields {
					arr[i] = attr(&fs.Fields[i])
				}
				r.AddAttrs(arr[:len(fs.Fields)]...)
				return h.next.Handle(ctx, r)
			}
		}
	}
	return h.handle(ctx, r)
}

// maxFast is how many span fields Handle adds on its common path: those of
// one profile and a service name.
const maxFast = 4

// handle is Handle for every record: groups, attributes held back by
// With, a context among the attributes or given to With, baggage, and
// attributes under a key of ours.
func (h *Handler) handle(ctx context.Context, r slog.Record) error {
	// The span comes from ctx, else from a context among the record's
	// attributes (slog.Info("...", "ctx", ctx)), else from one given to
	// With; the baggage from the same context.
	src := ctx
	fs, ok := h.b.Fields(ctx)
	fromCall := ok
	if !ok && h.ctx != nil {
		if fs, ok = h.b.Fields(h.ctx); ok {
			src = h.ctx
		}
	}
	var arr [2 * maxInline]slog.Attr
	var keyArr [2 * maxInline]string
	ours, keys := h.appendOurs(arr[:0], keyArr[:0], fs, ok, src)

	top := keys
	if len(h.groups) > 0 {
		top = nil // the record's attributes are nested
	}
	ctxAttr, clash := scanRecord(&r, top)
	if ctxAttr && !fromCall {
		var c context.Context
		r.Attrs(func(a slog.Attr) bool {
			c = spanContext(a.Value)
			return c == nil
		})
		if c != nil {
			fs, _ = h.b.Fields(c)
			ours, keys = h.appendOurs(arr[:0], keyArr[:0], fs, true, c)
		}
	}

	if len(h.groups) == 0 && len(h.pre) == 0 && !ctxAttr && !clash {
		if len(ours) == 0 {
			return h.next.Handle(ctx, r)
		}
		// Clone keeps our additions out of the array the caller's record
		// shares with r; up to five attributes stay in the record itself,
		// past them slog allocates once for the rest.
		r = r.Clone()
		r.AddAttrs(ours...)
		return h.next.Handle(ctx, r)
	}
	return h.next.Handle(ctx, h.rebuild(r, ours, keys))
}

// appendOurs appends the fields of ours a line carries, as attributes and
// as keys: the span's fields when ok, then the baggage members of src.
func (h *Handler) appendOurs(as []slog.Attr, keys []string, fs *bridge.SpanFields, ok bool, src context.Context) ([]slog.Attr, []string) {
	if ok {
		for _, f := range fs.Fields {
			as, keys = append(as, attr(&f)), append(keys, f.Key)
		}
	}
	if h.b.HasBaggage() {
		var bag [maxInline]bridge.Field
		for _, f := range h.b.AppendBaggage(bag[:0], src) {
			as, keys = append(as, attr(&f)), append(keys, f.Key)
		}
	}
	return as, keys
}

// rebuild returns a new record with the held-back With attributes and r's
// attributes, contexts and top-level keys of ours removed, the latter
// nested in the open groups, followed by the top-level trace attributes.
func (h *Handler) rebuild(r slog.Record, ours []slog.Attr, keys []string) slog.Record {
	attrs := make([]slog.Attr, 0, r.NumAttrs())
	recordKeys := keys
	if len(h.groups) > 0 {
		recordKeys = nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a, keep := clean(a, recordKeys); keep {
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
	if len(h.groups) > 0 && clashes(attrs[0], keys) {
		attrs = nil // the outermost group is named like a field of ours
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	for _, a := range h.pre {
		if a, keep := clean(a, keys); keep {
			nr.AddAttrs(a)
		}
	}
	nr.AddAttrs(attrs...)
	nr.AddAttrs(ours...)
	return nr
}

// WithAttrs returns a copy of h whose records carry attrs, inside the
// groups opened so far. A context among attrs is not written: it supplies
// the trace for records whose own context has none (logger.With("ctx",
// ctx)).
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	kept, c := splitContexts(attrs)
	if c != nil {
		h2.ctx = c
	}
	if len(kept) == 0 {
		return &h2
	}
	if len(h.groups) == 0 {
		if len(h.pre) == 0 && !mayClash(kept, h.b) {
			h2.next = h.next.WithAttrs(kept)
		} else {
			h2.pre = append(h.pre[:len(h.pre):len(h.pre)], kept...)
		}
		return &h2
	}
	h2.groups = append([]group(nil), h.groups...)
	last := &h2.groups[len(h2.groups)-1]
	last.attrs = append(last.attrs[:len(last.attrs):len(last.attrs)], kept...)
	return &h2
}

// WithGroup returns a copy of h that nests the attributes added after it,
// and those of each record, under name. The trace fields stay top-level.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = append(h.groups[:len(h.groups):len(h.groups)], group{name: name})
	return &h2
}

func attr(f *bridge.Field) slog.Attr {
	if f.Kind == bridge.BoolKind {
		return slog.Bool(f.Key, f.Bool)
	}
	return slog.String(f.Key, f.String)
}
