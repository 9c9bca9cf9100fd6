package logxbridge

import (
	"sync"

	"github.com/traceline/traceline/adapters/zapbridge"
	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ZapWriter is a logx.Writer that writes go-zero's lines into a zap logger.
type ZapWriter struct {
	logger *zap.Logger
	r      router
	pool   sync.Pool
}

var _ logx.Writer = (*ZapWriter)(nil)

// NewZapWriter returns a logx.Writer that sends logx's lines to logger, so
// a go-zero service writes one shape of line. logger should be built on
// zapbridge.NewCore with the same opts: the writer reads the span ids logx
// put on the line, hands them to the core as the line's context, and the
// core writes them under its profiles' keys, with trace_flags when the
// context side (Middleware, the interceptors) put the sampling decision on
// the line, "00" otherwise. logx's own trace, span, flags and service fields
// are not passed on, so no key is written twice.
//
//	logx.SetWriter(logxbridge.NewZapWriter(zap.New(zapbridge.NewCore(core))))
//
// Levels: debug → Debug, info and stat → Info, slow → Warn, error, alert,
// stack and severe → Error. Severe never calls zap's Fatal and Close only
// syncs the logger: nothing the writer does exits the process or panics.
func NewZapWriter(logger *zap.Logger, opts ...logbridge.Option) logx.Writer {
	if logger == nil {
		logger = zap.NewNop()
	}
	w := &ZapWriter{logger: logger, r: newRouter(opts)}
	w.pool.New = func() any {
		s := make([]zap.Field, 0, 16)
		return &s
	}
	return w
}

// Alert writes v at error level.
func (w *ZapWriter) Alert(v any) { w.write(zapcore.ErrorLevel, v, nil) }

// Close syncs the logger. It never exits the process.
func (w *ZapWriter) Close() error { return w.logger.Sync() }

// Debug writes v at debug level.
func (w *ZapWriter) Debug(v any, fields ...logx.LogField) { w.write(zapcore.DebugLevel, v, fields) }

// Error writes v at error level.
func (w *ZapWriter) Error(v any, fields ...logx.LogField) { w.write(zapcore.ErrorLevel, v, fields) }

// Info writes v at info level.
func (w *ZapWriter) Info(v any, fields ...logx.LogField) { w.write(zapcore.InfoLevel, v, fields) }

// Severe writes v at error level: logx calls it before exiting on its own
// Must, and a logger's Fatal must not exit first.
func (w *ZapWriter) Severe(v any) { w.write(zapcore.ErrorLevel, v, nil) }

// Slow writes v at warn level.
func (w *ZapWriter) Slow(v any, fields ...logx.LogField) { w.write(zapcore.WarnLevel, v, fields) }

// Stack writes v, a stack trace, at error level.
func (w *ZapWriter) Stack(v any) { w.write(zapcore.ErrorLevel, v, nil) }

// Stat writes v at info level.
func (w *ZapWriter) Stat(v any, fields ...logx.LogField) { w.write(zapcore.InfoLevel, v, fields) }

func (w *ZapWriter) write(lvl zapcore.Level, v any, fields []logx.LogField) {
	msg, isValue := message(v)
	ce := w.logger.Check(lvl, msg)
	if ce == nil {
		return
	}
	ctx, owned := w.r.split(fields)
	buf := w.pool.Get().(*[]zap.Field)
	out := (*buf)[:0]
	if ctx != nil {
		out = append(out, zapbridge.Context(ctx))
	}
	if isValue {
		out = append(out, zap.Any(contentKey, v))
	}
	for i := range fields {
		if owned&(1<<uint(i)) == 0 {
			out = append(out, zap.Any(fields[i].Key, fields[i].Value))
		}
	}
	ce.Write(out...)
	if cap(out) <= 256 {
		clear(out)
		*buf = out[:0]
		w.pool.Put(buf)
	}
}
