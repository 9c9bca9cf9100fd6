package slogbridge_test

import (
	"context"
	"log/slog"
	"os"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/logbridge"
)

// requestContext stands for the context of a traced request.
func requestContext() context.Context {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
		SpanID:     trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31},
		TraceFlags: trace.FlagsSampled,
	})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

// withoutTime drops the time so that the output is the same on every run.
func withoutTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func ExampleNewHandler() {
	logger := slog.New(slogbridge.NewHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: withoutTime})))

	ctx := requestContext()
	logger.InfoContext(ctx, "form stored", "form", "PHQ-9")
	logger.Info("no context, no trace")
	// Output:
	// {"level":"INFO","msg":"form stored","form":"PHQ-9","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01"}
	// {"level":"INFO","msg":"no context, no trace"}
}

func ExampleNewHandler_groups() {
	logger := slog.New(slogbridge.NewHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: withoutTime}),
		logbridge.WithProfile(logbridge.ECS), logbridge.WithService("questionnaire")))

	// Groups hold the caller's attributes; the trace fields stay top-level,
	// where log pipelines look for them. A context passed as an attribute
	// is used, never printed.
	req := logger.WithGroup("request").With("method", "POST")
	req.Info("form stored", "ctx", requestContext(), "status", 201)
	// Output:
	// {"level":"INFO","msg":"form stored","request":{"method":"POST","status":201},"trace.id":"0af7651916cd43dd8448eb211c80319c","span.id":"b7ad6b7169203331","service.name":"questionnaire"}
}

func ExampleNewJSONHandler() {
	// The JSONHandler's own options are given as they are. A ReplaceAttr,
	// here to drop the time, is offered the trace fields too; as it keeps
	// them, the lines are still spliced.
	logger := slog.New(slogbridge.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: withoutTime}))

	logger.WithGroup("request").InfoContext(requestContext(), "form stored", "form", "PHQ-9")
	// Output:
	// {"level":"INFO","msg":"form stored","request":{"form":"PHQ-9"},"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01"}
}
