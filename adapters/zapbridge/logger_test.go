package zapbridge

import (
	"path/filepath"
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
