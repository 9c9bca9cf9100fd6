package logxbridge

import (
	"github.com/rs/zerolog"
	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
)

// ZerologWriter is a logx.Writer that writes go-zero's lines into a zerolog
// logger.
type ZerologWriter struct {
	logger zerolog.Logger
	r      router
}

var _ logx.Writer = (*ZerologWriter)(nil)

// NewZerologWriter returns a logx.Writer that sends logx's lines to logger,
// which should carry zerologbridge.NewHook with the same opts: the writer
// gives each event the span logx put on the line as its context, and the
// hook writes the ids under its profiles' keys (trace_flags as the context
// side recorded it, "00" when nothing did). logx's own trace, span, flags
// and service fields are not passed on.
//
//	logx.SetWriter(logxbridge.NewZerologWriter(zerolog.New(os.Stdout).Hook(zerologbridge.NewHook())))
//
// Levels: debug → debug, info and stat → info, slow → warn, error, alert,
// stack and severe → error. Nothing the writer does exits the process:
// Severe is written with WithLevel, never Fatal, and Close does nothing.
func NewZerologWriter(logger zerolog.Logger, opts ...logbridge.Option) logx.Writer {
	return &ZerologWriter{logger: logger, r: newRouter(opts)}
}

// Alert writes v at error level.
func (w *ZerologWriter) Alert(v any) { w.write(zerolog.ErrorLevel, v, nil) }

// Close does nothing: a zerolog logger owns no resources. It never exits.
func (w *ZerologWriter) Close() error { return nil }

// Debug writes v at debug level.
func (w *ZerologWriter) Debug(v any, fields ...logx.LogField) { w.write(zerolog.DebugLevel, v, fields) }

// Error writes v at error level.
func (w *ZerologWriter) Error(v any, fields ...logx.LogField) { w.write(zerolog.ErrorLevel, v, fields) }

// Info writes v at info level.
func (w *ZerologWriter) Info(v any, fields ...logx.LogField) { w.write(zerolog.InfoLevel, v, fields) }

// Severe writes v at error level, never through zerolog's Fatal.
func (w *ZerologWriter) Severe(v any) { w.write(zerolog.ErrorLevel, v, nil) }

// Slow writes v at warn level.
func (w *ZerologWriter) Slow(v any, fields ...logx.LogField) { w.write(zerolog.WarnLevel, v, fields) }

// Stack writes v, a stack trace, at error level.
func (w *ZerologWriter) Stack(v any) { w.write(zerolog.ErrorLevel, v, nil) }

// Stat writes v at info level.
func (w *ZerologWriter) Stat(v any, fields ...logx.LogField) { w.write(zerolog.InfoLevel, v, fields) }

func (w *ZerologWriter) write(lvl zerolog.Level, v any, fields []logx.LogField) {
	e := w.logger.WithLevel(lvl)
	if e == nil {
		return
	}
	ctx, owned := w.r.split(fields)
	if ctx != nil {
		e = e.Ctx(ctx)
	}
	msg, isValue := message(v)
	if isValue {
		e = e.Interface(contentKey, v)
	}
	for i := range fields {
		if owned&(1<<uint(i)) != 0 {
			continue
		}
		switch val := fields[i].Value.(type) {
		case string:
			e = e.Str(fields[i].Key, val)
		case error:
			e = e.AnErr(fields[i].Key, val)
		default:
			e = e.Interface(fields[i].Key, val)
		}
	}
	e.Msg(msg)
}
