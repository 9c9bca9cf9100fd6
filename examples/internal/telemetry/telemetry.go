// Package telemetry starts the OpenTelemetry tracing that the example
// services below the gateway share: spans exported over OTLP/HTTP to a
// collector (Jaeger v2 in the demo), W3C traceparent and baggage on every
// hop, and a parent-based sampler, so the decision the gateway takes once
// holds for the whole request.
//
// A real service copies Start into its main; it is only a package here so
// the three examples say it once.
package telemetry

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Start installs a global tracer provider for service that exports to the
// OTLP/HTTP endpoint (host:port, plain HTTP); an empty endpoint records spans
// but exports none, which is what unit tests want. Spans without a parent
// (requests that reach this service directly) are all sampled; spans with one
// follow it. The export delay is the SDK's, which honours
// OTEL_BSP_SCHEDULE_DELAY. The returned function flushes and stops it.
func Start(ctx context.Context, service, endpoint string) (shutdown func(context.Context) error, err error) {
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
	}
	if endpoint != "" {
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(endpoint), otlptracehttp.WithInsecure())
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP exporter for %s: %w", endpoint, err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}
