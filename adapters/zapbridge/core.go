package zapbridge

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"

	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

var (
	_ zapcore.Core = (*Core)(nil)
	_ zapcore.Core = (*checkedWrite)(nil)
)

// Core is a zapcore.Core that writes the trace fields of a line's context
// into every line it passes to the core it wraps. NewCore returns it.
type Core struct {
	next zapcore.Core
	b    *bridge.Bridge
	keys []string // the keys of a span's fields
	// keyLens has bit n set when a key among keys is n bytes long (see
	// lengthsOf): a field whose key length is not among them cannot
	// collide.
	keyLens uint64
	bind    binding

	// held are the top-level fields given to With whose key the bridge
	// may write (a hand-written trace_id, a baggage member's key): each is
	// written on the lines where the bridge does not write its key.
	held []zapcore.Field
	// nested are the fields given to With from the first zap.Namespace
	// on. They are not handed to next.With, where the namespace would
	// swallow the trace fields too, but written after them on every line.
	nested []zapcore.Field
}

// NewCore returns a Core that writes the trace fields of a line's context
// into every line it passes to next, under the profiles that opts select,
// and never lets the context itself reach next. Use it to add trace fields
// to any core (a tee, a sampler, a console encoder); for JSON lines,
// NewJSONCore is faster. A nil next is a no-op core.
func NewCore(next zapcore.Core, opts ...logbridge.Option) *Core {
	if next == nil {
		next = zapcore.NewNopCore()
	}
	b := bridge.New(opts...)
	keys := b.SpanKeys()
	return &Core{next: next, b: b, keys: keys, keyLens: lengthsOf(keys)}
}

// Enabled reports whether the wrapped core is enabled at lvl.
func (c *Core) Enabled(lvl zapcore.Level) bool { return c.next.Enabled(lvl) }

// Level reports the minimum enabled level of the wrapped core, so that
// zap.Logger.Level and zapcore.LevelOf see through the bridge.
func (c *Core) Level() zapcore.Level { return zapcore.LevelOf(c.next) }

// Sync flushes the wrapped core.
func (c *Core) Sync() error { return c.next.Sync() }

// With returns a child core with fields added to every line; c is not
// changed. A context among fields binds its span (and baggage) to every
// line of the child instead of reaching the wrapped core. A context without
// a valid span does not unbind a span bound before.
func (c *Core) With(fields []zapcore.Field) zapcore.Core {
	clone := *c
	ctx, n, _ := scan(fields)
	if n == 0 && len(c.nested) == 0 && namespaceAt(fields) < 0 && !c.owns(fields) {
		clone.next = c.next.With(fields)
		return &clone
	}
	if ctx != nil {
		clone.bind.bind(c.b, ctx)
	}
	clone.held, clone.nested = slices.Clip(c.held), slices.Clip(c.nested)
	var kept []zapcore.Field
	for i := range fields {
		f := &fields[i]
		if _, isCtx := contextOf(f); isCtx {
			continue
		}
		switch {
		case len(clone.nested) == 0 && (hasKey(c.keys, f.Key) || copiesBaggage(c.b, f.Key)):
			clone.held = append(clone.held, *f)
		case len(clone.nested) > 0 || f.Type == zapcore.NamespaceType:
			clone.nested = append(clone.nested, *f)
		default:
			kept = append(kept, *f)
		}
	}
	if len(kept) > 0 {
		clone.next = c.next.With(kept)
	}
	return &clone
}

// owns reports whether the bridge may write the key of one of fields.
func (c *Core) owns(fields []zapcore.Field) bool {
	for i := range fields {
		if hasKey(c.keys, fields[i].Key) || copiesBaggage(c.b, fields[i].Key) {
			return true
		}
	}
	return false
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

// Check asks the wrapped core whether it writes the entry, and if it does,
// adds a writer to ce that rewrites the line's fields and writes them
// through the entry the wrapped core returned. The cores of a
// zapcore.NewTee so keep their own levels, and a sampler beneath the bridge
// still samples. Nothing is read from a context here: a disabled level
// costs only the wrapped core's check.
func (c *Core) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	inner := c.next.Check(ent, nil)
	if inner == nil {
		return ce
	}
	w := writes.Get().(*checkedWrite)
	w.core, w.inner = c, inner
	ce = ce.AddCore(ent, w)
	w.outer = ce
	return ce
}

// Write writes a line that was not checked through c: it checks the entry
// with the wrapped core, then writes the rewritten fields through what that
// check returned, and returns the error the write reported.
func (c *Core) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	inner := c.next.Check(ent, nil)
	if inner == nil {
		return nil
	}
	var out errorRecorder
	inner.ErrorOutput = &out
	w := writes.Get().(*checkedWrite)
	inner.Write(c.rewrite(w, fields)...)
	w.release()
	return out.err()
}

// rewrite returns the fields to hand to the wrapped core, in w's scratch
// space when they differ from fields: first the span's fields as one
// inline field, then the baggage members, then the fields With held back
// whose key the bridge does not write on this line, then the fields With
// bound from a namespace on, then the
// caller's fields without their contexts and without the top-level keys the
// bridge writes on this line. The caller's slice is never modified.
func (c *Core) rewrite(w *checkedWrite, fields []zapcore.Field) []zapcore.Field {
	d := &c.bind
	if !d.bound && len(c.held) == 0 && len(c.nested) == 0 && !c.b.HasBaggage() {
		return c.rewriteLine(w, fields)
	}
	ctx, n, _ := scan(fields)
	if n == 0 && !d.bound && len(c.held) == 0 && len(c.nested) == 0 {
		return fields
	}
	sc, ok, fromLine := d.resolve(ctx)
	out := w.fields[:0]
	var keys []string
	switch {
	case ok && fromLine:
		out, keys = append(out, inline(c.b.SpanFields(sc))), c.keys
	case ok:
		out, keys = append(out, inline(d.span)), c.keys
	}
	start := len(out)
	if fromLine {
		out = appendBaggage(out, c.b, ctx)
	} else {
		out = append(out, d.bag...)
	}
	bag := out[start:len(out):len(out)]
	for i := range c.held {
		if f := &c.held[i]; !hasKey(keys, f.Key) && !bagHasKey(bag, f.Key) {
			out = append(out, *f)
		}
	}
	out = append(out, c.nested...)
	out = appendLineFields(out, fields, len(c.nested) == 0, keys, bag)
	w.fields = out
	return out
}

// rewriteLine is rewrite for a core with nothing bound or held by With and
// no baggage to copy, the common case: the line's own context alone
// decides, and the caller's fields are copied in one pass.
func (c *Core) rewriteLine(w *checkedWrite, fields []zapcore.Field) []zapcore.Field {
	// out[0] is kept for the span's fields.
	out := append(w.fields[:0], zapcore.Field{})
	var ctx context.Context
	top, clash := true, false
	for i := range fields {
		f := &fields[i]
		if f.Type == zapcore.SkipType {
			if x, ok := f.Interface.(context.Context); ok && x != nil {
				ctx = x
				continue
			}
		} else if x, ok := contextOf(f); ok {
			ctx = x
			continue
		}
		if top && c.keyLens&lengthBit(f.Key) != 0 && hasKey(c.keys, f.Key) {
			clash = true
		}
		top = top && f.Type != zapcore.NamespaceType
		out = append(out, *f)
	}
	w.fields = out
	if ctx == nil {
		return fields
	}
	sc, ok := spanContextOf(ctx)
	if !ok {
		return out[1:]
	}
	if clash {
		out = appendLineFields(out[:1], fields, true, c.keys, nil)
		w.fields = out
	}
	out[0] = inline(c.b.SpanFields(sc))
	return out
}

// checkedWrite is what Check adds to zap's CheckedEntry: the bridge core,
// the entry the wrapped core checked, and the pooled scratch space of one
// line. It lives from Check to Write and goes back to the pool.
type checkedWrite struct {
	core   *Core
	inner  *zapcore.CheckedEntry // what the wrapped core's Check returned
	outer  *zapcore.CheckedEntry // the entry w was added to
	fields []zapcore.Field
}

// maxPooledFields caps the scratch slice that goes back to the pool, so one
// line with many fields does not pin a large array.
const maxPooledFields = 64

var writes = sync.Pool{New: func() any {
	return &checkedWrite{fields: make([]zapcore.Field, 0, 8)}
}}

// Write rewrites the fields and writes them through the entry the wrapped
// core returned from Check. The logger fills in the caller and the stack
// after Check, and the error output after the bridge's Check returned:
// both are handed on, so write errors reach the logger's ErrorOutput as
// zap's own core reports them.
func (w *checkedWrite) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	inner := w.inner
	inner.Entry = ent
	inner.ErrorOutput = w.outer.ErrorOutput
	inner.Write(w.core.rewrite(w, fields)...)
	w.release()
	return nil
}

// release returns w to the pool. The scratch slice is cleared, so that the
// pool does not keep what the line's fields point to.
func (w *checkedWrite) release() {
	clear(w.fields)
	w.core, w.inner, w.outer, w.fields = nil, nil, nil, w.fields[:0]
	if cap(w.fields) <= maxPooledFields {
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

// errorRecorder keeps what a CheckedEntry reports as its write error, for
// Core.Write to return.
type errorRecorder struct{ msg []byte }

// Write implements io.Writer.
func (r *errorRecorder) Write(p []byte) (int, error) {
	r.msg = append(r.msg, p...)
	return len(p), nil
}

// Sync implements zapcore.WriteSyncer.
func (r *errorRecorder) Sync() error { return nil }

func (r *errorRecorder) err() error {
	if len(r.msg) == 0 {
		return nil
	}
	return errors.New(string(bytes.TrimSpace(r.msg)))
}
