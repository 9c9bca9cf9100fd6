package logbridge

import (
	"context"

	"go.opentelemetry.io/otel/trace"
)

// FromContext returns the span context that ctx carries and whether it is
// valid: a recording or non-recording span's, or a remote span context taken
// from a propagated traceparent. A nil ctx, a ctx without a span and an
// all-zero span context all report false.
func FromContext(ctx context.Context) (trace.SpanContext, bool) {
	// Asking the span itself saves the extra call and 64-byte copy of
	// trace.SpanContextFromContext (BenchmarkFromContext).
	sc := trace.SpanFromContext(ctx).SpanContext()
	return sc, sc.IsValid()
}
