package zerologbridge_test

import (
	"context"
	"os"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/adapters/zerologbridge"
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

func ExampleNewHook() {
	logger := zerolog.New(os.Stdout).Hook(zerologbridge.NewHook())

	ctx := requestContext()
	logger.Info().Ctx(ctx).Str("form", "PHQ-9").Msg("form stored")
	logger.Info().Msg("no context, no trace")
	// Output:
	// {"level":"info","form":"PHQ-9","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","message":"form stored"}
	// {"level":"info","message":"no context, no trace"}
}

func ExampleNewHook_profiles() {
	logger := zerolog.New(os.Stdout).Hook(zerologbridge.NewHook(
		logbridge.WithProfile(logbridge.Datadog, logbridge.GCP("epro-prod")),
		logbridge.WithService("questionnaire"),
	))

	logger.Warn().Ctx(requestContext()).Msg("slow form")
	// Output:
	// {"level":"warn","dd.trace_id":"0af7651916cd43dd8448eb211c80319c","dd.span_id":"13235353014750950193","logging.googleapis.com/trace":"projects/epro-prod/traces/0af7651916cd43dd8448eb211c80319c","logging.googleapis.com/spanId":"b7ad6b7169203331","logging.googleapis.com/trace_sampled":true,"dd.service":"questionnaire","serviceContext.service":"questionnaire","message":"slow form"}
}

func ExampleNewWriter() {
	hook := zerologbridge.NewHook()
	// The hook installed twice, and a caller's own trace_id: behind the
	// Writer the line still carries the span's fields once.
	logger := zerolog.New(zerologbridge.NewWriter(os.Stdout)).Hook(hook, hook)

	logger.Info().Ctx(requestContext()).Str("trace_id", "mine").Msg("form stored")
	logger.Info().Str("trace_id", "mine").Msg("no span: the caller's field stays")
	// Output:
	// {"level":"info","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","message":"form stored"}
	// {"level":"info","trace_id":"mine","message":"no span: the caller's field stays"}
}

func ExampleCtx() {
	logger := zerolog.New(os.Stdout).Hook(zerologbridge.NewHook())

	// Middleware stores the logger in the request's context once...
	ctx := logger.With().Str("route", "/forms").Logger().WithContext(requestContext())

	// ...and handlers take it back bound to their context.
	zerologbridge.Ctx(ctx).Info().Msg("form stored")
	zerolog.Ctx(ctx).Info().Msg("zerolog.Ctx alone: no trace")
	// Output:
	// {"level":"info","route":"/forms","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","message":"form stored"}
	// {"level":"info","route":"/forms","message":"zerolog.Ctx alone: no trace"}
}
