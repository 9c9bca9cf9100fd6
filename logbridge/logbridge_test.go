package logbridge_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/traceline/traceline/logbridge"
	"go.opentelemetry.io/otel/trace"
)

func TestFromContext(t *testing.T) {
	tid := trace.TraceID{0x0a, 0xf7, 0x65, 0x19}
	sid := trace.SpanID{0xb7, 0xad}
	remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, Remote: true}))
	tests := []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"nil", nil, false},
		{"no span", context.Background(), false},
		{"zero span context", trace.ContextWithSpanContext(context.Background(), trace.SpanContext{}), false},
		{"remote, unsampled", remote, true},
		{"local, sampled", trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, ok := logbridge.FromContext(tt.ctx)
			if ok != tt.want || (ok && (sc.TraceID() != tid || sc.SpanID() != sid)) {
				t.Fatalf("FromContext = %v, %v; want %v", sc, ok, tt.want)
			}
		})
	}
}

func TestProfileKeys(t *testing.T) {
	tests := []struct {
		p                                 logbridge.Profile
		name, trace, span, flags, service string
	}{
		{logbridge.OTel, "otel", "trace_id", "span_id", "trace_flags", "service.name"},
		{logbridge.ECS, "ecs", "trace.id", "span.id", "", "service.name"},
		{logbridge.Datadog, "datadog", "dd.trace_id", "dd.span_id", "", "dd.service"},
		{logbridge.GCP("p"), "gcp", "logging.googleapis.com/trace", "logging.googleapis.com/spanId", "logging.googleapis.com/trace_sampled", "serviceContext.service"},
		{logbridge.GoZero, "gozero", "trace", "span", "", "service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			if p.Name() != tt.name || p.TraceKey() != tt.trace || p.SpanKey() != tt.span || p.FlagsKey() != tt.flags || p.ServiceKey() != tt.service {
				t.Fatalf("%s: keys %q %q %q %q", p.Name(), p.TraceKey(), p.SpanKey(), p.FlagsKey(), p.ServiceKey())
			}
		})
	}
}

// Profile's key accessors tell a service (or a query it builds) where each
// profile puts the trace.
func ExampleProfile() {
	for _, p := range []logbridge.Profile{logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GoZero} {
		fmt.Println(p.Name(), p.TraceKey(), p.SpanKey())
	}
	// Output:
	// otel trace_id span_id
	// ecs trace.id span.id
	// datadog dd.trace_id dd.span_id
	// gozero trace span
}
