package slogbridge

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// BenchmarkHandler compares one line of a span already seen with and
// without the handler; the bench module compares peers and first lines of
// spans.
func BenchmarkHandler(b *testing.B) {
	ctx := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	tests := []struct {
		name   string
		logger *slog.Logger
	}{
		{"bare", slog.New(slog.NewJSONHandler(io.Discard, nil))},
		{"handler", slog.New(NewHandler(slog.NewJSONHandler(io.Discard, nil)))},
		{"handler in a group", slog.New(NewHandler(slog.NewJSONHandler(io.Discard, nil))).WithGroup("request")},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				tt.logger.InfoContext(ctx, "form stored", "form", "baseline", "items", 12)
			}
		})
	}
}
