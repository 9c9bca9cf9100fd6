package zapbridge

import (
	"context"
	"sync"

	"github.com/traceline/traceline/logbridge"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Logger is a *zap.Logger with a Ctx method, for code that logs with a
// request's context on every call, as users of uptrace's otelzap do:
//
//	log := zapbridge.New(zapLogger)
//	log.Ctx(ctx).Info("form stored", zap.String("form", id))
//
// Every method of zap.Logger is available; With, WithLazy, Named and
// WithOptions return a *Logger, so derived loggers keep Ctx.
type Logger struct {
	*zap.Logger
	skip *zap.Logger // the same logger, one more caller frame skipped
}

// New returns a Logger over logger. Unless logger's core is already one made
// by NewCore or NewJSONCore, New wraps it with NewCore(core, opts...);
// otherwise opts are ignored. A nil logger is zap.NewNop().
func New(logger *zap.Logger, opts ...logbridge.Option) *Logger {
	if logger == nil {
		logger = zap.NewNop()
	}
	switch logger.Core().(type) {
	case *Core, *JSONCore:
	default:
		logger = logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core { return NewCore(c, opts...) }))
	}
	return &Logger{Logger: logger, skip: logger.WithOptions(zap.AddCallerSkip(1))}
}

// With returns a child Logger with fields added to every line, like
// zap.Logger.With. A Context field among them binds that span to the child.
func (l *Logger) With(fields ...zap.Field) *Logger {
	return &Logger{Logger: l.Logger.With(fields...), skip: l.skip.With(fields...)}
}

// WithLazy returns a child Logger whose fields are encoded only when it
// logs or is derived from, like zap.Logger.WithLazy.
func (l *Logger) WithLazy(fields ...zap.Field) *Logger {
	return &Logger{Logger: l.Logger.WithLazy(fields...), skip: l.skip.WithLazy(fields...)}
}

// Named returns a child Logger with name added to the logger's name, like
// zap.Logger.Named.
func (l *Logger) Named(name string) *Logger {
	return &Logger{Logger: l.Logger.Named(name), skip: l.skip.Named(name)}
}

// WithOptions returns a child Logger with opts applied, like
// zap.Logger.WithOptions.
func (l *Logger) WithOptions(opts ...zap.Option) *Logger {
	return &Logger{Logger: l.Logger.WithOptions(opts...), skip: l.skip.WithOptions(opts...)}
}

// Ctx returns a request-scoped form of the Logger whose lines carry ctx's
// trace fields. It is a small value: take it per call or keep it for a
// request; it allocates nothing.
func (l *Logger) Ctx(ctx context.Context) LoggerWithCtx {
	return LoggerWithCtx{l: l, ctx: ctx}
}

// LoggerWithCtx is a Logger bound to a context, returned by Logger.Ctx. Its
// methods check the level first and then write the line with the context
// as a field, allocating nothing beyond what the same zap call does.
type LoggerWithCtx struct {
	l   *Logger
	ctx context.Context
}

// Context returns the context the logger is bound to.
func (l LoggerWithCtx) Context() context.Context { return l.ctx }

// Logger returns the Logger without the context.
func (l LoggerWithCtx) Logger() *Logger { return l.l }

// With returns a copy with fields added to every line (zap.Logger.With).
func (l LoggerWithCtx) With(fields ...zap.Field) LoggerWithCtx {
	return LoggerWithCtx{l: l.l.With(fields...), ctx: l.ctx}
}

// Log writes a line at lvl with the context's trace fields.
func (l LoggerWithCtx) Log(lvl zapcore.Level, msg string, fields ...zap.Field) {
	if ce := l.l.skip.Check(lvl, msg); ce != nil {
		writeWithContext(ce, l.ctx, fields)
	}
}

// Debug writes a line at DebugLevel with the context's trace fields.
func (l LoggerWithCtx) Debug(msg string, fields ...zap.Field) {
	if ce := l.l.skip.Check(zapcore.DebugLevel, msg); ce != nil {
		writeWithContext(ce, l.ctx, fields)
	}
}

// Info writes a line at InfoLevel with the context's trace fields.
func (l LoggerWithCtx) Info(msg string, fields ...zap.Field) {
	if ce := l.l.skip.Check(zapcore.InfoLevel, msg); ce != nil {
		writeWithContext(ce, l.ctx, fields)
	}
}

// Warn writes a line at WarnLevel with the context's trace fields.
func (l LoggerWithCtx) Warn(msg string, fields ...zap.Field) {
	if ce := l.l.skip.Check(zapcore.WarnLevel, msg); ce != nil {
		writeWithContext(ce, l.ctx, fields)
	}
}

// Error writes a line at ErrorLevel with the context's trace fields.
func (l LoggerWithCtx) Error(msg string, fields ...zap.Field) {
	if ce := l.l.skip.Check(zapcore.ErrorLevel, msg); ce != nil {
		writeWithContext(ce, l.ctx, fields)
	}
}

// DPanic writes a line at DPanicLevel with the context's trace fields; in
// development mode the logger then panics (zap.Logger.DPanic).
func (l LoggerWithCtx) DPanic(msg string, fields ...zap.Field) {
	if ce := l.l.skip.Check(zapcore.DPanicLevel, msg); ce != nil {
		writeWithContext(ce, l.ctx, fields)
	}
}

// Panic writes a line at PanicLevel with the context's trace fields, then
// panics (zap.Logger.Panic).
func (l LoggerWithCtx) Panic(msg string, fields ...zap.Field) {
	if ce := l.l.skip.Check(zapcore.PanicLevel, msg); ce != nil {
		writeWithContext(ce, l.ctx, fields)
	}
}

// Fatal writes a line at FatalLevel with the context's trace fields, then
// exits (zap.Logger.Fatal).
func (l LoggerWithCtx) Fatal(msg string, fields ...zap.Field) {
	if ce := l.l.skip.Check(zapcore.FatalLevel, msg); ce != nil {
		writeWithContext(ce, l.ctx, fields)
	}
}

// fieldBuf is pooled scratch space for the caller's fields plus the context
// field: appending to the caller's variadic slice would allocate.
type fieldBuf struct{ f []zap.Field }

var fieldBufs = sync.Pool{New: func() any { return &fieldBuf{f: make([]zap.Field, 0, 8)} }}

func writeWithContext(ce *zapcore.CheckedEntry, ctx context.Context, fields []zap.Field) {
	if ctx == nil {
		ce.Write(fields...)
		return
	}
	p := fieldBufs.Get().(*fieldBuf)
	p.f = append(append(p.f[:0], fields...), Context(ctx))
	// A core that keeps fields must copy them (zap's observer does); the
	// scratch slice is cleared and reused once Write returns.
	ce.Write(p.f...)
	clear(p.f)
	p.f = p.f[:0]
	if cap(p.f) <= maxPooledFields {
		fieldBufs.Put(p)
	}
}
