package slogbridge

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sync"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

// NewJSONHandler returns a JSONHandler that writes what
// slogbridge.NewHandler(slog.NewJSONHandler(w, opts), bopts...) writes, the
// same JSON object on each line with the trace fields last and top-level,
// at a fraction of the cost: slog's JSONHandler formats the line, and the
// span's fields are written into it before its closing brace from a
// template whose keys and quotes are ready JSON, instead of joining the
// record as attributes escaped byte by byte. No span is encoded ahead, so
// no line allocates, a span's first included.
//
//	logger := slog.New(slogbridge.NewJSONHandler(os.Stdout, nil))
//
// The shortcut formats each line under one of a few locks, as many as
// GOMAXPROCS (at most 8): a Handle that finds them all taken by lines
// being formatted through the same handler (or handlers derived from it
// with With or WithGroup) takes the ordinary path of NewHandler instead,
// with the same result, rather than wait. So does a record that carries a
// context among its attributes or a top-level attribute under one of the
// trace keys, and every record when bopts configure baggage or when a key
// or the service name needs escaping in JSON.
//
// With a ReplaceAttr in opts, the trace fields are offered to it as they
// are to every attribute (top-level: no groups), once per line. A line
// whose trace fields it leaves as they are is spliced; a line whose trace
// fields it changes or drops takes NewHandler's path, which offers them to
// it again. A span's first line then allocates once (its fields, encoded
// for ReplaceAttr). w is written by one line at a time either way, in one
// Write per line.
func NewJSONHandler(w io.Writer, opts *slog.HandlerOptions, bopts ...logbridge.Option) *JSONHandler {
	b := bridge.New(bopts...)
	tmpl := b.JSONTemplate()
	if tmpl == nil || b.HasBaggage() || !b.PlainJSON() {
		return &JSONHandler{slow: newHandler(slog.NewJSONHandler(w, opts), b), b: b, slowOnly: true}
	}
	// The splicers' JSONHandlers and slow's each lock only their own
	// writes: out keeps them apart.
	out := &lockedWriter{w: w}
	slow := newHandler(slog.NewJSONHandler(out, opts), b)
	n := min(runtime.GOMAXPROCS(0), maxSplicers)
	h := &JSONHandler{sps: make([]*splicer, n), fast: make([]slog.Handler, n), slow: slow, b: b, keys: tmpl.Keys()}
	if opts != nil && opts.ReplaceAttr != nil {
		h.replace = opts.ReplaceAttr
	}
	for i := range h.sps {
		sp := &splicer{out: out, tmpl: tmpl}
		h.sps[i] = sp
		h.fast[i] = slog.NewJSONHandler(sp, opts)
	}
	return h
}

// maxSplicers caps the number of lines a NewJSONHandler formats at once.
const maxSplicers = 8

// JSONHandler is a slog.Handler that writes JSON lines with the trace
// fields of each record's context, as a Handler over slog's JSONHandler
// does, faster. Make one with NewJSONHandler.
type JSONHandler struct {
	// Each splicer has a JSONHandler of its own writing into it, and every
	// handler derived with With or WithGroup derives from each of those (on
	// first use) what slow derives from its own: the same attributes and
	// groups either way.

	// ctx is a context given as an attribute to With; it supplies the
	// trace when a record's own context has none.
	ctx context.Context
	// sps are shared by every handler derived from the same NewJSONHandler.
	sps []*splicer
	// fast[i] is slog's JSONHandler writing into sps[i], with this
	// handler's attributes and groups; nil until first used, when it is
	// derived from parent's by op. It is only read and written under
	// sps[i].mu, as are the parent's.
	fast   []slog.Handler
	parent *JSONHandler
	op     func(slog.Handler) slog.Handler
	slow   *Handler // over slog's JSONHandler, writing to sps[*].out
	b      *bridge.Bridge
	keys   []string // the keys the splicers write
	// slowOnly: every record takes slow, as the bridge's fields cannot be
	// spliced, or With added a top-level attribute under a key of ours.
	slowOnly bool
	// grouped: a group is open, so the record's attributes are not
	// top-level.
	grouped bool
	// replace is the options' ReplaceAttr, offered the span's fields; nil
	// without one.
	replace func(groups []string, a slog.Attr) slog.Attr
}

var _ slog.Handler = (*JSONHandler)(nil)

// fastFor returns the fast handler of splicer i, deriving it on first use.
// The caller holds sps[i].mu.
func (h *JSONHandler) fastFor(i int) slog.Handler {
	if h.fast[i] == nil {
		f := h.parent.fastFor(i)
		if h.op != nil {
			f = h.op(f)
		}
		h.fast[i] = f
	}
	return h.fast[i]
}

// Enabled reports whether records at level are written.
func (h *JSONHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.slow.Enabled(ctx, level)
}

// Handle writes r with the trace fields of ctx (or of the context given to
// With).
func (h *JSONHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.slowOnly {
		return h.slow.Handle(ctx, r)
	}
	sc, ok := logbridge.FromContext(ctx)
	if !ok && h.ctx != nil {
		sc, ok = logbridge.FromContext(h.ctx)
	}
	var top []string
	if ok && !h.grouped {
		top = h.keys
	}
	if ctxAttr, clash := scanRecord(&r, top); ctxAttr || clash {
		// A context must not be printed, and may hold the trace; a
		// caller's attribute under a key of ours is dropped.
		return h.slow.Handle(ctx, r)
	}
	if ok && h.replace != nil && !h.keepsFields(sc) {
		return h.slow.Handle(ctx, r)
	}
	// A line without a span takes a splicer too: a splicer must not give
	// it the fields of another goroutine's line.
	for i, sp := range h.sps {
		if !sp.mu.TryLock() {
			continue
		}
		sp.sc = sc // not valid when !ok: the line gets no fields
		err := h.fastFor(i).Handle(ctx, r)
		sp.mu.Unlock()
		return err
	}
	// Every splicer is formatting a line, maybe one of this goroutine's (a
	// LogValue that logs): do not wait for one.
	return h.slow.Handle(ctx, r)
}

// keepsFields offers the span's fields to the options' ReplaceAttr and
// reports whether it returns each as it is, so that the template may write
// them.
func (h *JSONHandler) keepsFields(sc trace.SpanContext) bool {
	for _, f := range h.b.SpanFields(sc).Fields {
		a := attr(&f)
		if !h.replace(nil, a).Equal(a) {
			return false
		}
	}
	return true
}

// WithAttrs returns a copy of h whose records carry attrs. A context among
// attrs is not written: it supplies the trace for records whose own context
// has none.
func (h *JSONHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := h.derive()
	kept, c := splitContexts(attrs)
	if c != nil {
		h2.ctx = c
	}
	h2.slow = h.slow.WithAttrs(attrs).(*Handler) // keeps its own account of the context
	if !h.grouped && mayClash(kept, h.b) {
		h2.slowOnly = true
	}
	if len(kept) > 0 {
		h2.op = func(f slog.Handler) slog.Handler { return f.WithAttrs(kept) }
	}
	return h2
}

// WithGroup returns a copy of h that nests later attributes under name;
// the trace fields stay top-level.
func (h *JSONHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := h.derive()
	h2.slow = h.slow.WithGroup(name).(*Handler)
	if !h.grouped && h.b.Owns(name) {
		h2.slowOnly = true
	}
	h2.grouped = true
	h2.op = func(f slog.Handler) slog.Handler { return f.WithGroup(name) }
	return h2
}

// derive returns a child of h with no attributes or groups of its own yet.
func (h *JSONHandler) derive() *JSONHandler {
	h2 := *h
	h2.fast, h2.parent, h2.op = make([]slog.Handler, len(h.sps)), h, nil
	return &h2
}

// splicer is the writer of the fast JSONHandler. The JSONHandler writes
// each line with one Write, inside a Handle that holds mu and has set sc:
// when sc is valid, the line gets the span's fields as JSON members before
// its closing brace.
type splicer struct {
	mu   sync.Mutex
	sc   trace.SpanContext // the span of the line being written
	buf  []byte            // the spliced line; used under mu
	tmpl *bridge.JSONTemplate
	out  *lockedWriter
}

// maxKeptLine is the largest line buffer kept for the next line.
const maxKeptLine = 64 << 10

func (s *splicer) Write(p []byte) (int, error) {
	n := len(p)
	// slog's JSONHandler ends every line with "}\n".
	if !s.sc.IsValid() || n < 2 || p[n-2] != '}' || p[n-1] != '\n' {
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
