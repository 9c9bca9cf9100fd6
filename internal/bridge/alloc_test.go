//go:build !race

package bridge

import (
	"github.com/traceline/traceline/logbridge"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestAllocs(t *testing.T) {
	ctx := spanCtx(trace.FlagsSampled)
	tests := []struct {
		name      string
		b         *Bridge
		first     float64 // a span's first line
		afterward float64 // every later line of the span
	}{
		{"OTel", New(), 1, 0},
		{"OTel with service", New(logbridge.WithService("svc")), 1, 0},
		{"GCP", New(logbridge.WithProfile(logbridge.GCP("project"))), 1, 0},
		{"Datadog", New(logbridge.WithProfile(logbridge.Datadog)), 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sid := uint64(0)
			first := testing.AllocsPerRun(200, func() {
				sid++
				s := trace.SpanID{1, byte(sid), byte(sid >> 8), 3, 4, 5, 6, 7}
				tt.b.SpanFields(trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: s}))
			})
			if first != tt.first {
				t.Errorf("first line of a span: %v allocs, want %v", first, tt.first)
			}
			tt.b.Fields(ctx)
			later := testing.AllocsPerRun(200, func() { tt.b.Fields(ctx) })
			if later != tt.afterward {
				t.Errorf("later lines: %v allocs, want %v", later, tt.afterward)
			}
		})
	}
}
