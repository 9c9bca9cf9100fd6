package slogbridge

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

// NewJSONHandler returns a handler that writes what
// slogbridge.NewHandler(slog.NewJSONHandler(w, opts), bopts...) writes, the
// same JSON object on each line with the trace fields last and top-level,
// at a fraction of the cost: slog's JSONHandler formats the line, and the
// span's fields are written into it before its closing brace from a
// template (logbridge.JSONTemplate) whose keys and quotes are ready JSON,
// instead of joining the record as attributes escaped byte by byte. No
// span is encoded ahead, so no line allocates, a span's first included.
//
//	logger := slog.New(slogbridge.NewJSONHandler(os.Stdout, nil))
//
// The shortcut writes one line at a time: a Handle that finds another one
// formatting through the same handler (or one derived from it with With or
// WithGroup), or a record that carries a context among its attributes,
// takes the ordinary path of NewHandler instead, with the same result; so
// does every record when opts has a ReplaceAttr (it then sees the trace
// fields, as it sees every attribute), when bopts configure baggage, or when
// a key or the service name needs escaping in JSON. w is written by one
// line at a time either way, in one Write per line.
func NewJSONHandler(w io.Writer, opts *slog.HandlerOptions, bopts ...logbridge.Option) slog.Handler {
	b := logbridge.New(bopts...)
	out := &lockedWriter{w: w}
	slow := &Handler{next: slog.NewJSONHandler(out, opts), b: b}
	tmpl := b.JSONTemplate()
	if tmpl == nil || b.HasBaggage() || !b.PlainJSON() || (opts != nil && opts.ReplaceAttr != nil) {
		return slow
	}
	sp := &splicer{out: out, tmpl: tmpl}
	return &spliceHandler{b: b, sp: sp, fast: slog.NewJSONHandler(sp, opts), slow: slow}
}

// spliceHandler is NewJSONHandler's handler. fast and slow carry the same
// attributes and groups; fast writes through sp, slow straight to sp.out.
type spliceHandler struct {
	b *logbridge.Bridge
	// ctx is a context given as an attribute to With; it supplies the
	// trace when a record's own context has none.
	ctx  context.Context
	sp   *splicer
	fast slog.Handler // slog's JSONHandler, writing into sp
	slow slog.Handler // *Handler over slog's JSONHandler, writing to sp.out
}

// Enabled reports whether records at level are written.
func (h *spliceHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.fast.Enabled(ctx, level)
}

// Handle writes r with the trace fields of ctx (or of the context given to
// With).
func (h *spliceHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.NumAttrs() > 0 {
		ctxAttr := false
		r.Attrs(func(a slog.Attr) bool {
			ctxAttr = holdsContext(a.Value)
			return !ctxAttr
		})
		if ctxAttr {
			// The context must not be printed, and may hold the trace.
			return h.slow.Handle(ctx, r)
		}
	}
	sc, ok := logbridge.FromContext(ctx)
	if !ok && h.ctx != nil {
		sc, ok = logbridge.FromContext(h.ctx)
	}
	// A line without a span takes the lock too: the splicer must not give
	// it the fields of another goroutine's line.
	if !h.sp.mu.TryLock() {
		// Another line is being formatted through sp, maybe by this
		// goroutine (a LogValue that logs): do not wait for it.
		return h.slow.Handle(ctx, r)
	}
	h.sp.sc, h.sp.has = sc, ok
	err := h.fast.Handle(ctx, r)
	h.sp.has = false
	h.sp.mu.Unlock()
	return err
}

// WithAttrs returns a handler whose records carry attrs. A context among
// attrs is not written: it supplies the trace for records whose own context
// has none.
func (h *spliceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	kept := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if c := spanContext(a.Value); c != nil {
			h2.ctx = c
		}
		if a, keep := withoutContext(a); keep {
			kept = append(kept, a)
		}
	}
	h2.slow = h.slow.WithAttrs(attrs) // keeps its own account of the context
	if len(kept) > 0 {
		h2.fast = h.fast.WithAttrs(kept)
	}
	return &h2
}

// WithGroup returns a handler that nests later attributes under name; the
// trace fields stay top-level.
func (h *spliceHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.fast = h.fast.WithGroup(name)
	h2.slow = h.slow.WithGroup(name)
	return &h2
}

// splicer is the writer of the fast JSONHandler. The JSONHandler writes
// each line with one Write; while a Handle holding mu has set a span, that
// line gets the span's fields as JSON members before its closing brace.
type splicer struct {
	mu   sync.Mutex
	sc   trace.SpanContext // the span of the line being written, if has
	has  bool
	buf  []byte // the spliced line; used under mu
	tmpl *logbridge.JSONTemplate
	out  *lockedWriter
}

// maxKeptLine is the largest line buffer kept for the next line.
const maxKeptLine = 64 << 10

func (s *splicer) Write(p []byte) (int, error) {
	n := len(p)
	// slog's JSONHandler ends every line with "}\n".
	if !s.has || n < 2 || p[n-2] != '}' || p[n-1] != '\n' {
		_, err := s.out.Write(p)
		return n, err
	}
	body := p[:n-2]
	b := append(s.buf[:0], body...)
	if len(body) > 0 && body[len(body)-1] != '{' {
		b = append(b, ',')
	}
	b = s.tmpl.Append(b, s.sc)
	b = append(b, '}', '\n')
	if cap(b) <= maxKeptLine {
		s.buf = b[:0]
	} else {
		s.buf = nil
	}
	if _, err := s.out.Write(b); err != nil {
		return 0, err
	}
	return n, nil
}

// lockedWriter writes one line at a time to w, for the two JSONHandlers
// (fast and slow) that share it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
