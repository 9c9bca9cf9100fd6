package logxbridge

import (
	"context"
	"log/slog"
	"time"

	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
)

// SlogWriter is a logx.Writer that writes go-zero's lines into a
// slog.Handler.
type SlogWriter struct {
	h slog.Handler
	r router
}

var _ logx.Writer = (*SlogWriter)(nil)

// NewSlogWriter returns a logx.Writer that sends logx's lines to h, which
// should be slogbridge.NewHandler with the same opts: the writer hands each
// record the span logx put on the line as its context, and the handler
// writes the ids under its profiles' keys (trace_flags as the context side
// recorded it, "00" when nothing did). logx's own trace, span, flags and
// service fields are not passed on.
//
//	logx.SetWriter(logxbridge.NewSlogWriter(slogbridge.NewHandler(slog.NewJSONHandler(os.Stdout, nil))))
//
// Levels: debug → Debug, info and stat → Info, slow → Warn, error, alert,
// stack and severe → Error. Close does nothing and nothing exits.
func NewSlogWriter(h slog.Handler, opts ...logbridge.Option) logx.Writer {
	if h == nil {
		h = slog.Default().Handler()
	}
	return &SlogWriter{h: h, r: newRouter(opts)}
}

// Alert writes v at error level.
func (w *SlogWriter) Alert(v any) { w.write(slog.LevelError, v, nil) }

// Close does nothing: a slog.Handler has no Close. It never exits.
func (w *SlogWriter) Close() error { return nil }

// Debug writes v at debug level.
func (w *SlogWriter) Debug(v any, fields ...logx.LogField) { w.write(slog.LevelDebug, v, fields) }

// Error writes v at error level.
func (w *SlogWriter) Error(v any, fields ...logx.LogField) { w.write(slog.LevelError, v, fields) }

// Info writes v at info level.
func (w *SlogWriter) Info(v any, fields ...logx.LogField) { w.write(slog.LevelInfo, v, fields) }

// Severe writes v at error level.
func (w *SlogWriter) Severe(v any) { w.write(slog.LevelError, v, nil) }

// Slow writes v at warn level.
func (w *SlogWriter) Slow(v any, fields ...logx.LogField) { w.write(slog.LevelWarn, v, fields) }

// Stack writes v, a stack trace, at error level.
func (w *SlogWriter) Stack(v any) { w.write(slog.LevelError, v, nil) }

// Stat writes v at info level.
func (w *SlogWriter) Stat(v any, fields ...logx.LogField) { w.write(slog.LevelInfo, v, fields) }

func (w *SlogWriter) write(lvl slog.Level, v any, fields []logx.LogField) {
	ctx, owned := w.r.split(fields)
	if ctx == nil {
		ctx = context.Background()
	}
	if !w.h.Enabled(ctx, lvl) {
		return
	}
	msg, isValue := message(v)
	r := slog.NewRecord(time.Now(), lvl, msg, 0)
	if isValue {
		r.AddAttrs(slog.Any(contentKey, v))
	}
	for i := range fields {
		if owned&(1<<uint(i)) == 0 {
			r.AddAttrs(slog.Any(fields[i].Key, fields[i].Value))
		}
	}
	_ = w.h.Handle(ctx, r)
}
