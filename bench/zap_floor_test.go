package bench

import (
	"context"
	"sync"

	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

// wrapCore is the least a sound core that wraps another does for a line
// with a span: Check asks the wrapped core for its checked entry, and the
// line is written through that entry with the span's cached fields first
// and the line's fields without the context. It is the "floor(wrapping
// core)" variant; it keeps none of zapbridge.NewCore's rules.
type wrapCore struct {
	zapcore.Core
	b *bridge.Bridge
}

// wrapWrite is what wrapCore.Check adds to the logger's entry.
type wrapWrite struct {
	c            *wrapCore
	inner, outer *zapcore.CheckedEntry
	fields       []zapcore.Field
}

var wrapWrites = sync.Pool{New: func() any { return &wrapWrite{fields: make([]zapcore.Field, 0, 8)} }}

func (c *wrapCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	inner := c.Core.Check(ent, nil)
	if inner == nil {
		return ce
	}
	w := wrapWrites.Get().(*wrapWrite)
	w.c, w.inner = c, inner
	ce = ce.AddCore(ent, w)
	w.outer = ce
	return ce
}

func (w *wrapWrite) Enabled(lvl zapcore.Level) bool      { return w.c.Enabled(lvl) }
func (w *wrapWrite) With(f []zapcore.Field) zapcore.Core { return w.c.With(f) }
func (w *wrapWrite) Sync() error                         { return w.c.Sync() }
func (w *wrapWrite) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return w.c.Check(ent, ce)
}

func (w *wrapWrite) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	all := append(w.fields[:0], zapcore.Field{})
	var ctx context.Context
	for i := range fields {
		if x, ok := fields[i].Interface.(context.Context); ok && fields[i].Type == zapcore.SkipType {
			ctx = x
			continue
		}
		all = append(all, fields[i])
	}
	out := all
	if sc, ok := logbridge.FromContext(ctx); ok {
		out[0] = zapcore.Field{Type: zapcore.InlineMarshalerType, Interface: (*cachedFields)(w.c.b.SpanFields(sc))}
	} else {
		out = out[1:]
	}
	w.inner.Entry = ent
	w.inner.ErrorOutput = w.outer.ErrorOutput
	w.inner.Write(out...)
	clear(all)
	w.fields = all[:0]
	w.c, w.inner, w.outer = nil, nil, nil
	wrapWrites.Put(w)
	return nil
}

// cachedFields writes a span's cached fields inline.
type cachedFields bridge.SpanFields

func (f *cachedFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, x := range f.Fields {
		enc.AddString(x.Key, x.String)
	}
	return nil
}
