package zapbridge

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/traceline/traceline/logbridge"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestLoggerCtxLevels(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, 1)
	obs, logs := observer.New(zapcore.DebugLevel)
	l := New(zap.New(obs, zap.AddCaller(), zap.Development()))
	tests := []struct {
		level zapcore.Level
		log   func(LoggerWithCtx)
	}{
		{zapcore.DebugLevel, func(c LoggerWithCtx) { c.Debug("m") }},
		{zapcore.InfoLevel, func(c LoggerWithCtx) { c.Info("m") }},
		{zapcore.WarnLevel, func(c LoggerWithCtx) { c.Warn("m") }},
		{zapcore.ErrorLevel, func(c LoggerWithCtx) { c.Error("m") }},
		{zapcore.InfoLevel, func(c LoggerWithCtx) { c.Log(zapcore.InfoLevel, "m") }},
		{zapcore.DPanicLevel, func(c LoggerWithCtx) { c.DPanic("m") }},
		{zapcore.PanicLevel, func(c LoggerWithCtx) { c.Panic("m") }},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			logs.TakeAll()
			func() {
				defer func() { _ = recover() }()
				tt.log(l.Ctx(ctx))
			}()
			got := logs.TakeAll()
			if len(got) != 1 {
				t.Fatalf("got %d entries", len(got))
			}
			e := got[0]
			if e.Level != tt.level || e.ContextMap()["trace_id"] != tid {
				t.Errorf("entry %v %v", e.Level, e.ContextMap())
			}
			if file := filepath.Base(e.Caller.File); file != "logger_test.go" {
				t.Errorf("caller is %s, want the line that logged", e.Caller)
			}
		})
	}
}

func TestNewKeepsABridgeCore(t *testing.T) {
	obs, logs := observer.New(zapcore.InfoLevel)
	bridged := zap.New(NewCore(obs, logbridge.WithProfile(logbridge.ECS)))
	l := New(bridged, logbridge.WithProfile(logbridge.GoZero))
	if l.Logger.Core() != bridged.Core() {
		t.Error("New wrapped a core that already bridges")
	}
	l.Ctx(spanCtx(testTraceID, testSpanID, 1)).Info("m")
	if m := logs.All()[0].ContextMap(); m["trace.id"] != tid || m["trace"] != nil {
		t.Errorf("fields %v", m)
	}
	if New(nil).Ctx(nil).Context() != nil { //nolint:staticcheck // nil context on purpose
		t.Error("Context() of Ctx(nil)")
	}
	if New(bridged).Ctx(nil).Logger() == nil { //nolint:staticcheck // nil context on purpose
		t.Error("Logger() is nil")
	}
}

// TestDerivedLoggersKeepCtx: every method of zap.Logger that derives a
// logger has a Logger method of the same name that returns a *Logger, so a
// derived logger keeps Ctx; a zap release that adds one fails here.
func TestDerivedLoggersKeepCtx(t *testing.T) {
	zapLogger := reflect.TypeOf((*zap.Logger)(nil))
	ours := reflect.TypeOf((*Logger)(nil))
	for i := 0; i < zapLogger.NumMethod(); i++ {
		m := zapLogger.Method(i)
		if m.Type.NumOut() != 1 || m.Type.Out(0) != zapLogger {
			continue
		}
		o, ok := ours.MethodByName(m.Name)
		if !ok || o.Type.NumOut() != 1 || o.Type.Out(0) != ours {
			t.Errorf("Logger.%s returns a *zap.Logger: the derived logger loses Ctx", m.Name)
		}
	}
	obs, logs := observer.New(zapcore.DebugLevel)
	l := New(zap.New(obs))
	ctx := spanCtx(testTraceID, testSpanID, 1)
	for name, derived := range map[string]*Logger{
		"With":        l.With(zap.String("a", "b")),
		"WithLazy":    l.WithLazy(zap.String("a", "b")),
		"Named":       l.Named("n"),
		"WithOptions": l.WithOptions(zap.AddCaller()),
	} {
		derived.Ctx(ctx).Info(name)
		if e := logs.TakeAll(); len(e) != 1 || e[0].ContextMap()["trace_id"] != tid {
			t.Errorf("%s: %v", name, e)
		}
	}
}
