// Package metric is a minimal stand-in for go.opentelemetry.io/otel/metric.
package metric

import "context"

type Int64Counter interface {
	Add(ctx context.Context, incr int64)
}
