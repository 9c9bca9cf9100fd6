package otlptee_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/adapters/zapbridge"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/contrib/bridges/otelzap"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// printExporter prints the trace fields of each record the SDK exports,
// standing for an OTLP exporter.
type printExporter struct{ mu sync.Mutex }

func (e *printExporter) Export(_ context.Context, records []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range records {
		fmt.Printf("OTel record: body=%q TraceId=%s SpanId=%s TraceFlags=%s\n",
			r.Body().AsString(), r.TraceID(), r.SpanID(), r.TraceFlags())
	}
	return nil
}
func (e *printExporter) Shutdown(context.Context) error   { return nil }
func (e *printExporter) ForceFlush(context.Context) error { return nil }

func requestContext() context.Context {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true}))
}

// One zap call writes the JSON line and emits the OTel record.
func Example_zap() {
	provider := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(&printExporter{})))
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder})

	logger := zap.New(zapcore.NewTee(
		zapbridge.NewCore(zapcore.NewCore(enc, zapcore.AddSync(os.Stdout), zap.InfoLevel)),
		otelzap.NewCore("questionnaire", otelzap.WithLoggerProvider(provider)),
	))
	logger.Info("form stored", zapbridge.Context(requestContext()))
	// Output:
	// {"level":"info","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01"}
	// OTel record: body="form stored" TraceId=0af7651916cd43dd8448eb211c80319c SpanId=b7ad6b7169203331 TraceFlags=01
}

// One slog call writes the JSON line and emits the OTel record.
func Example_slog() {
	provider := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(&printExporter{})))
	noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}

	logger := slog.New(slog.NewMultiHandler(
		slogbridge.NewHandler(slog.NewJSONHandler(os.Stdout, noTime)),
		otelslog.NewHandler("questionnaire", otelslog.WithLoggerProvider(provider)),
	))
	logger.InfoContext(requestContext(), "form stored")
	// Output:
	// {"level":"INFO","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01"}
	// OTel record: body="form stored" TraceId=0af7651916cd43dd8448eb211c80319c SpanId=b7ad6b7169203331 TraceFlags=01
}
