package zapbridge_test

import (
	"context"
	"os"

	"github.com/traceline/traceline/adapters/zapbridge"
	"github.com/traceline/traceline/logbridge"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// requestContext stands for the context of a request that a tracing
// middleware has started a span in.
func requestContext() context.Context {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

// jsonCore writes JSON lines without a timestamp, so the output is stable.
func jsonCore() zapcore.Core {
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", NameKey: "logger", EncodeLevel: zapcore.LowercaseLevelEncoder})
	return zapcore.NewCore(enc, os.Stdout, zapcore.InfoLevel)
}

func ExampleNewCore() {
	logger := zap.New(zapbridge.NewCore(jsonCore(), logbridge.WithService("questionnaire")))
	ctx := requestContext()

	logger.Info("form stored", zapbridge.Context(ctx), zap.String("form", "baseline"))
	logger.Info("form stored", zap.Any("ctx", ctx)) // as OpenTelemetry's contrib otelzap passes it
	logger.Sugar().Infow("form stored", "ctx", ctx)
	logger.Info("no request", zap.Any("ctx", context.Background()))
	// Output:
	// {"level":"info","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","service.name":"questionnaire","form":"baseline"}
	// {"level":"info","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","service.name":"questionnaire"}
	// {"level":"info","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","service.name":"questionnaire"}
	// {"level":"info","msg":"no request"}
}

// NewJSONCore writes zap's JSON lines with the trace fields after the
// line's other fields: the recommended set-up for JSON.
func ExampleNewJSONCore() {
	cfg := zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder}
	logger := zap.New(zapbridge.NewJSONCore(cfg, os.Stdout, zapcore.InfoLevel, logbridge.WithService("questionnaire")))
	ctx := requestContext()

	logger.Info("form stored", zapbridge.Context(ctx), zap.String("form", "baseline"))
	logger.With(zapbridge.Context(ctx)).Warn("slow storage", zap.Int("ms", 950))
	logger.Info("no request", zap.Int("items", 12))
	// Output:
	// {"level":"info","msg":"form stored","form":"baseline","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","service.name":"questionnaire"}
	// {"level":"warn","msg":"slow storage","ms":950,"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","service.name":"questionnaire"}
	// {"level":"info","msg":"no request","items":12}
}

func ExampleNewCore_profiles() {
	logger := zap.New(zapbridge.NewCore(jsonCore(), logbridge.WithProfile(logbridge.Datadog, logbridge.GCP("epro-prod"))))
	logger.Info("form stored", zapbridge.Context(requestContext()))
	// Output:
	// {"level":"info","msg":"form stored","dd.trace_id":"0af7651916cd43dd8448eb211c80319c","dd.span_id":"13235353014750950193","logging.googleapis.com/trace":"projects/epro-prod/traces/0af7651916cd43dd8448eb211c80319c","logging.googleapis.com/spanId":"b7ad6b7169203331","logging.googleapis.com/trace_sampled":true}
}

func ExampleContext() {
	logger := zap.New(zapbridge.NewCore(jsonCore()))
	ctx := requestContext()

	logger.Info("form stored", zapbridge.Context(ctx), zap.Int("items", 12))

	// Bound once for a request; every line of the child carries the span.
	reqLogger := logger.With(zapbridge.Context(ctx))
	reqLogger.Warn("slow storage")

	// Without a bridge core the field is skipped: no context is printed.
	zap.New(jsonCore()).Info("plain", zapbridge.Context(ctx))
	// Output:
	// {"level":"info","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","items":12}
	// {"level":"warn","msg":"slow storage","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01"}
	// {"level":"info","msg":"plain"}
}

func ExampleLogger_Ctx() {
	log := zapbridge.New(zap.New(jsonCore()))
	ctx := requestContext()

	log.Ctx(ctx).Info("form stored", zap.String("form", "baseline"))
	log.Ctx(ctx).Debug("not written: below the core's level, and nothing is read")
	log.Info("startup") // every zap.Logger method is there too

	// Derived loggers keep Ctx.
	log.Named("storage").With(zap.String("db", "forms")).Ctx(ctx).Warn("slow")
	// Output:
	// {"level":"info","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","form":"baseline"}
	// {"level":"info","msg":"startup"}
	// {"level":"warn","logger":"storage","msg":"slow","db":"forms","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01"}
}
