package zapbridge

import (
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/logbridge"
)

var (
	_ zapcore.Core        = (*core)(nil)
	_ zapcore.Core        = (*checkedWrite)(nil)
	_ zapcore.WriteSyncer = (*errSink)(nil)
)

// core wraps the next core. It holds the span bound by With, if any; the
// line's own context, if it carries a valid span, takes its place.
type core struct {
	next   zapcore.Core
	direct bool // next is a core made by zapcore.NewCore; see Check
	// render: next is such a core with NewJSONEncoder's encoder, and the
	// Bridge's fields can be rendered from a span context (see rendered).
	render bool
	// enc and out are next's encoder and output when render is set and
	// both were found (see ioCoreOutOffset): a line whose only context is
	// a Context field is then encoded and written here, in one step.
	enc *jsonEncoder
	out zapcore.WriteSyncer
	b   *logbridge.Bridge

	bound   bool                  // With was given a context
	span    *logbridge.SpanFields // its span's fields; nil when it had none
	baggage []zapcore.Field       // its baggage members, as string fields

	// nested are the fields given to With from the first zap.Namespace
	// on. They are not handed to next.With, where the namespace would
	// swallow the trace fields too, but written after them on every line.
	nested []zapcore.Field
}

// NewCore returns a core that writes the trace fields of a line's context
// into every line it passes to next, under the profiles that opts select,
// and never lets the context itself reach next. See the package comment for
// how each kind of field is treated. A nil next is a no-op core.
func NewCore(next zapcore.Core, opts ...logbridge.Option) zapcore.Core {
	if next == nil {
		next = zapcore.NewNopCore()
	}
	c := &core{next: next, b: logbridge.New(opts...)}
	c.setNext(next)
	return c
}

// setNext makes next the wrapped core and notes what it is.
func (c *core) setNext(next zapcore.Core) {
	c.next, c.direct = next, isIOCore(next)
	c.render, c.enc, c.out = false, nil, nil
	if !c.direct || ioCoreEncOffset == noOffset {
		return
	}
	p := reflect.ValueOf(next).UnsafePointer()
	enc, ours := (*(*zapcore.Encoder)(unsafe.Add(p, ioCoreEncOffset))).(*jsonEncoder)
	c.render = ours && rendersFor(enc, c.b)
	if c.render && ioCoreOutOffset != noOffset {
		c.enc, c.out = enc, *(*zapcore.WriteSyncer)(unsafe.Add(p, ioCoreOutOffset))
	}
}

// ioCoreType is the type of the cores zapcore.NewCore returns. Their Check
// only tests the level and adds the core itself, so the bridge can stand in
// for them in a CheckedEntry and call their Write directly.
var ioCoreType = reflect.TypeOf(zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{}), zapcore.AddSync(io.Discard), zapcore.DebugLevel))

func isIOCore(c zapcore.Core) bool { return reflect.TypeOf(c) == ioCoreType }

// Enabled implements zapcore.LevelEnabler.
func (c *core) Enabled(lvl zapcore.Level) bool { return c.next.Enabled(lvl) }

// Level reports the minimum enabled level of the wrapped core, so that
// zap.Logger.Level and zapcore.LevelOf see through the bridge.
func (c *core) Level() zapcore.Level { return zapcore.LevelOf(c.next) }

// Sync implements zapcore.Core.
func (c *core) Sync() error { return c.next.Sync() }

// With returns a child core. A context among fields binds its span (and
// baggage) to every line of the child; it is removed from the fields given
// to the wrapped core. A context without a valid span does not unbind a span
// that an earlier With bound.
func (c *core) With(fields []zapcore.Field) zapcore.Core {
	if len(c.nested) > 0 || namespaceAt(fields) >= 0 {
		return c.withNested(fields)
	}
	clone := *c
	ctx, n := scan(fields)
	if n == 0 {
		clone.setNext(c.next.With(fields))
		return &clone
	}
	kept := clone.bindContext(ctx, fields, n)
	clone.setNext(c.next.With(kept))
	return &clone
}

// withNested is With for a core that has, or is given, a zap.Namespace.
func (c *core) withNested(fields []zapcore.Field) zapcore.Core {
	clone := *c
	kept := fields
	if ctx, n := scan(fields); n > 0 {
		kept = clone.bindContext(ctx, fields, n)
	}
	if len(c.nested) == 0 {
		if i := namespaceAt(kept); i >= 0 {
			clone.nested = append([]zapcore.Field(nil), kept[i:]...)
			kept = kept[:i]
		}
	} else {
		clone.nested = append(c.nested[:len(c.nested):len(c.nested)], kept...)
		kept = nil
	}
	if len(kept) > 0 {
		clone.setNext(c.next.With(kept))
	}
	return &clone
}

// bindContext returns fields without the n contexts among them, and binds
// ctx's span and baggage to c (a clone being made by With). A context
// without a span does not unbind a span bound before.
func (c *core) bindContext(ctx context.Context, fields []zapcore.Field, n int) []zapcore.Field {
	kept := make([]zapcore.Field, 0, len(fields)-n)
	for i := range fields {
		if _, isCtx := contextOf(&fields[i]); !isCtx {
			kept = append(kept, fields[i])
		}
	}
	if sf, ok, bag := c.lookup(ctx, nil); ok || !c.bound {
		c.bound, c.span, c.baggage = true, sf, nil
		for _, m := range bag {
			c.baggage = append(c.baggage, zapcore.Field{Key: m.Key, Type: zapcore.StringType, String: m.String})
		}
	}
	return kept
}

// namespaceAt returns the index of the first zap.Namespace among fields, or
// -1.
func namespaceAt(fields []zapcore.Field) int {
	for i := range fields {
		if fields[i].Type == zapcore.NamespaceType {
			return i
		}
	}
	return -1
}

// Check asks the wrapped core, and when it agrees to write the entry,
// registers a writer that rewrites the fields before handing them to the
// cores the wrapped core chose. That keeps each core of a zapcore.NewTee at
// its own level and lets a sampler beneath the bridge sample. A core made
// by zapcore.NewCore chooses only itself when its level is enabled, so for
// it the bridge registers itself and saves the second CheckedEntry. Nothing
// is extracted here: a disabled level costs only the wrapped core's check.
func (c *core) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.direct {
		if c.next.Enabled(ent.Level) {
			return ce.AddCore(ent, c)
		}
		return ce
	}
	inner := c.next.Check(ent, nil)
	if inner == nil {
		return ce
	}
	w := writes.Get().(*checkedWrite)
	w.core, w.inner = c, inner
	inner.ErrorOutput = (*errSink)(w)
	return ce.AddCore(ent, w)
}

// Write rewrites fields and writes them to the wrapped core. zap calls it
// when the bridge wraps a core made by zapcore.NewCore, or sits under a
// zapcore.NewTee.
func (c *core) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	if c.out != nil && !c.bound && len(c.nested) == 0 {
		if ctx := c.onlyContextField(fields); ctx != nil {
			sc, ok := spanContextOf(ctx)
			if !ok {
				// Nothing to add, and the encoder skips Context fields.
				return c.next.Write(ent, fields)
			}
			if done, err := c.writeRendered(ent, fields, sc); done {
				return err
			}
		}
	}
	ctx, n := scan(fields)
	if n == 0 && !c.bound && len(c.nested) == 0 {
		return c.next.Write(ent, fields)
	}
	w := writes.Get().(*checkedWrite)
	err := c.next.Write(ent, w.rewrite(c, fields, ctx))
	w.release()
	return err
}

// onlyContextField returns the context of a line whose fields zap's encoder
// may write as they are: its contexts come only as Context fields (which
// the encoder skips), and no field has a key the bridge writes. Otherwise,
// or when fields hold no context, it returns nil.
func (c *core) onlyContextField(fields []zapcore.Field) context.Context {
	var ctx context.Context
	keys := c.b.JSONTemplate().Keys()
	for i := range fields {
		f := &fields[i]
		if x, isCtx := contextOf(f); isCtx {
			if f.Type != zapcore.SkipType {
				return nil // printed by the encoder: the rewrite drops it
			}
			ctx = x
		} else if slices.Contains(keys, f.Key) {
			return nil
		}
	}
	return ctx
}

// writeRendered does what next's Write does (zapcore.NewCore's ioCore:
// encode, write, sync above the error level) for a line whose span the
// encoder renders, without the pooled rewrite of its fields. done is false
// when the encoder did not end the line as zap does, and nothing was
// written.
func (c *core) writeRendered(ent zapcore.Entry, fields []zapcore.Field, sc trace.SpanContext) (done bool, err error) {
	buf, err := c.enc.encodeSpan(ent, fields, c.b.JSONTemplate(), &sc)
	if buf == nil && err == nil {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	_, err = c.out.Write(buf.Bytes())
	buf.Free()
	if err != nil {
		return true, err
	}
	if ent.Level > zapcore.ErrorLevel {
		_ = c.out.Sync()
	}
	return true, nil
}

// lookup returns the fields of ctx's span, whether it has a valid one, and
// bag with ctx's configured baggage members appended. A context whose Value
// panics gives nothing.
func (c *core) lookup(ctx context.Context, bag []logbridge.Field) (sf *logbridge.SpanFields, ok bool, _ []logbridge.Field) {
	defer func() {
		if recover() != nil {
			sf, ok = nil, false
		}
	}()
	sf, ok = c.b.Fields(ctx)
	if c.b.HasBaggage() {
		bag = c.b.AppendBaggage(bag, ctx)
	}
	return sf, ok, bag
}

// scan returns the last context among fields and how many fields carry one.
func scan(fields []zapcore.Field) (ctx context.Context, n int) {
	for i := range fields {
		if x, ok := contextOf(&fields[i]); ok {
			ctx = x
			n++
		}
	}
	return ctx, n
}

// checkedWrite is what Check registers with zap's CheckedEntry: the bridge
// core and the entry the wrapped core checked, plus the pooled scratch space
// of one line. It lives from Check to Write and goes back to the pool.
type checkedWrite struct {
	core   *core
	inner  *zapcore.CheckedEntry
	err    error
	fields []zapcore.Field
	bag    []logbridge.Field // baggage of memo.ctx
	rs     renderedSpan      // the span of the line, when the core renders

	// memo is the last context this scratch space looked up, for which
	// bridge. Successive lines of a request tend to get the same pooled
	// checkedWrite back, and a standard library context never changes
	// (logbridge.StableContext), so they skip the lookup.
	memo struct {
		b   *logbridge.Bridge
		ctx context.Context
		sf  *logbridge.SpanFields
		ok  bool
	}
	// scMemo is the same for the span context alone (rendering cores),
	// kept as plain ids: storing them costs no write barrier.
	scMemo struct {
		ctx   context.Context
		tid   trace.TraceID
		sid   trace.SpanID
		flags trace.TraceFlags
		ok    bool
	}
}

// maxPooledFields caps the scratch slice that goes back to the pool, so one
// line with many fields does not pin a large array.
const maxPooledFields = 64

var writes = sync.Pool{New: func() any {
	return &checkedWrite{fields: make([]zapcore.Field, 0, 8), bag: make([]logbridge.Field, 0, 4)}
}}

// Write rewrites the fields and writes them to the cores the wrapped core
// chose in Check.
func (w *checkedWrite) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	c, inner := w.core, w.inner
	// The logger fills in the caller and stack after Check.
	inner.Entry = ent
	if ctx, n := scan(fields); n > 0 || c.bound || len(c.nested) > 0 {
		fields = w.rewrite(c, fields, ctx)
	}
	inner.Write(fields...)
	err := w.err
	w.release()
	return err
}

// rewrite copies fields into w's scratch slice: first the span's fields as
// one inline field, then baggage members, then the fields With bound from a
// namespace on, then the caller's fields without their contexts and without
// the keys the bridge writes on this line. The caller's slice is never
// modified.
func (w *checkedWrite) rewrite(c *core, fields []zapcore.Field, ctx context.Context) []zapcore.Field {
	if ctx != nil && c.render {
		if sc, ok := w.spanContext(ctx); ok {
			return w.rewriteRendered(c, fields, sc)
		}
	}
	span, bag := c.span, c.baggage
	callBag := false
	if ctx != nil {
		if sf, ok := w.lookup(c, ctx); ok || !c.bound {
			span, bag, callBag = sf, nil, true
		}
	}
	out := w.fields[:0]
	if span != nil {
		out = append(out, inline(span))
	}
	if callBag {
		for _, m := range w.bag {
			out = append(out, zapcore.Field{Key: m.Key, Type: zapcore.StringType, String: m.String})
		}
	} else {
		out = append(out, bag...)
	}
	written := out
	if len(c.nested) > 0 {
		out = append(out, c.nested...)
	}
	for i := range fields {
		f := &fields[i]
		if _, isCtx := contextOf(f); isCtx || writesKey(f.Key, span, written) {
			continue
		}
		out = append(out, *f)
	}
	w.fields = out
	return out
}

// rewriteRendered is rewrite for a core whose encoder renders the span's
// fields itself (c.render) and a line whose context has a valid span: the
// first field carries the span context, in w, to NewJSONEncoder's encoder,
// and no span is encoded ahead.
func (w *checkedWrite) rewriteRendered(c *core, fields []zapcore.Field, sc trace.SpanContext) []zapcore.Field {
	w.rs = renderedSpan{sc: sc, b: c.b}
	out := append(w.fields[:0], zapcore.Field{Type: zapcore.InlineMarshalerType, Interface: &w.rs})
	if len(c.nested) > 0 {
		out = append(out, c.nested...)
	}
	keys := c.b.JSONTemplate().Keys()
	for i := range fields {
		f := &fields[i]
		if _, isCtx := contextOf(f); isCtx || slices.Contains(keys, f.Key) {
			continue
		}
		out = append(out, *f)
	}
	w.fields = out
	return out
}

// spanContext is spanContextOf through w's memo (see lookup).
func (w *checkedWrite) spanContext(ctx context.Context) (trace.SpanContext, bool) {
	m := &w.scMemo
	if m.ctx == ctx {
		return trace.NewSpanContext(trace.SpanContextConfig{TraceID: m.tid, SpanID: m.sid, TraceFlags: m.flags}), m.ok
	}
	sc, ok := spanContextOf(ctx)
	if logbridge.StableContext(ctx) {
		m.ctx, m.tid, m.sid, m.flags, m.ok = ctx, sc.TraceID(), sc.SpanID(), sc.TraceFlags(), ok
	} else {
		m.ctx = nil
	}
	return sc, ok
}

// spanContextOf returns ctx's valid span context; a context whose Value
// panics has none.
func spanContextOf(ctx context.Context) (sc trace.SpanContext, ok bool) {
	defer func() {
		if recover() != nil {
			sc, ok = trace.SpanContext{}, false
		}
	}()
	return logbridge.FromContext(ctx)
}

// lookup is core.lookup through w's memo; the baggage lands in w.bag. Only
// the standard library's contexts are remembered (logbridge.StableContext):
// another context may answer differently next time (*gin.Context answers
// from its current request and is pooled), and comparing two values of
// some types panics.
func (w *checkedWrite) lookup(c *core, ctx context.Context) (*logbridge.SpanFields, bool) {
	m := &w.memo
	if m.ctx == ctx && m.b == c.b {
		return m.sf, m.ok
	}
	sf, ok, bag := c.lookup(ctx, w.bag[:0])
	w.bag = bag
	if logbridge.StableContext(ctx) {
		m.b, m.ctx, m.sf, m.ok = c.b, ctx, sf, ok
	} else {
		m.b, m.ctx, m.sf, m.ok = nil, nil, nil, false
	}
	return sf, ok
}

// writesKey reports whether the bridge writes key on this line, so that a
// caller's field of the same name is dropped rather than written twice.
func writesKey(key string, span *logbridge.SpanFields, bag []zapcore.Field) bool {
	if span != nil {
		for i := range span.Fields {
			if span.Fields[i].Key == key {
				return true
			}
		}
	}
	for i := range bag {
		if bag[i].Key == key && bag[i].Type == zapcore.StringType {
			return true
		}
	}
	return false
}

// release returns w to the pool. The scratch slices and the memo are not
// cleared: what they still reference is overwritten by a later line or
// dropped with the pool at the next garbage collections, and clearing costs
// every line.
func (w *checkedWrite) release() {
	w.core, w.inner, w.err = nil, nil, nil
	w.fields, w.bag = w.fields[:0], w.bag[:0]
	if cap(w.fields) <= maxPooledFields && cap(w.bag) <= maxPooledFields {
		writes.Put(w)
	}
}

// Enabled, With, Check and Sync make checkedWrite a zapcore.Core; zap only
// ever calls its Write.
func (w *checkedWrite) Enabled(lvl zapcore.Level) bool { return w.core.Enabled(lvl) }

// With implements zapcore.Core.
func (w *checkedWrite) With(fields []zapcore.Field) zapcore.Core { return w.core.With(fields) }

// Check implements zapcore.Core.
func (w *checkedWrite) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return w.core.Check(ent, ce)
}

// Sync implements zapcore.Core.
func (w *checkedWrite) Sync() error { return w.core.Sync() }

// errSink receives the write errors of the inner CheckedEntry, so that the
// outer one reports them to the logger's ErrorOutput.
type errSink checkedWrite

// Write implements io.Writer.
func (s *errSink) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if i := strings.Index(msg, "write error: "); i >= 0 {
		msg = msg[i+len("write error: "):]
	}
	s.err = errors.New(msg)
	return len(p), nil
}

// Sync implements zapcore.WriteSyncer.
func (s *errSink) Sync() error { return nil }
