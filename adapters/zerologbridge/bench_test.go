package zerologbridge

import (
	"context"
	"io"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
)

// BenchmarkHook compares one line of a span already seen with and without
// the hook; the bench module compares peers and first lines of spans.
func BenchmarkHook(b *testing.B) {
	ctx := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	tests := []struct {
		name   string
		logger zerolog.Logger
	}{
		{"bare", zerolog.New(io.Discard)},
		{"hook", zerolog.New(io.Discard).Hook(NewHook())},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				tt.logger.Info().Ctx(ctx).Str("form", "baseline").Int("items", 12).Msg("form stored")
			}
		})
	}
}
