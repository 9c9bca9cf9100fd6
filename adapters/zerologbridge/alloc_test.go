//go:build !race

package zerologbridge

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

func TestAllocs(t *testing.T) {
	ctx := spanCtx(context.Background(), testSpanID, trace.FlagsSampled)
	bag := withBaggage(t, ctx, "trial_id", "T-17")
	h := NewHook()
	tests := []struct {
		name   string
		logger zerolog.Logger
		ctx    context.Context
	}{
		{"bare logger", zerolog.New(io.Discard), ctx},
		{"OTel", zerolog.New(io.Discard).Hook(h), ctx},
		{"no span", zerolog.New(io.Discard).Hook(h), context.Background()},
		{"several profiles, service, baggage", zerolog.New(io.Discard).Hook(NewHook(
			logbridge.WithProfile(logbridge.OTel, logbridge.GCP("epro"), logbridge.Datadog),
			logbridge.WithService("svc"), logbridge.WithBaggage("trial_id"))), bag},
		{"hook installed twice", zerolog.New(io.Discard).Hook(h, h), ctx},
		{"writer", zerolog.New(NewWriter(io.Discard)).Hook(h), ctx},
		{"writer dropping a field", zerolog.New(NewWriter(io.Discard)).Hook(h, h).With().Str("trace_id", "mine").Logger(), ctx},
		{"logger context", zerolog.New(io.Discard).Hook(h).With().Ctx(ctx).Str("app", "epro").Logger(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := func() {
				e := tt.logger.Info()
				if tt.ctx != nil {
					e = e.Ctx(tt.ctx)
				}
				e.Str("form", "F1").Int("n", 2).Msg("form stored")
			}
			log() // the span's first line encodes its fields
			if got := testing.AllocsPerRun(500, log); got != 0 {
				t.Errorf("%v allocs per line, want 0", got)
			}
		})
	}
}

func TestCtxAllocs(t *testing.T) {
	ctx := zerolog.New(io.Discard).Hook(NewHook()).With().Str("app", "epro").Logger().
		WithContext(spanCtx(context.Background(), testSpanID, trace.FlagsSampled))
	got := testing.AllocsPerRun(500, func() { Ctx(ctx).Info().Msg("m") })
	if got != 2 {
		t.Errorf("Ctx: %v allocs per line, want 2 (the bound Logger and its field buffer)", got)
	}
	disabled := testing.AllocsPerRun(500, func() { Ctx(context.Background()).Info().Msg("m") })
	if disabled != 0 {
		t.Errorf("Ctx without a stored logger: %v allocs, want 0", disabled)
	}
}

// TestAllocsNewSpans pins the cost of a span's first lines: none, since
// every line renders its fields on the stack.
func TestAllocsNewSpans(t *testing.T) {
	hooks := []struct {
		name   string
		hook   zerolog.Hook
		writer io.Writer
	}{
		{"OTel", NewHook(), io.Discard},
		{"Datadog and GCP", NewHook(logbridge.WithProfile(logbridge.Datadog, logbridge.GCP("epro"))), io.Discard},
		{"OTel behind a Writer", NewHook(), NewWriter(io.Discard)},
	}
	for _, hk := range hooks {
		for _, lines := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%d lines", hk.name, lines), func(t *testing.T) {
				var n uint64
				span := func(l zerolog.Logger) func() {
					return func() {
						n++
						s := trace.SpanID{1, byte(n), byte(n >> 8), 3, 4, 5, 6, 7}
						ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: s}))
						for i := 0; i < lines; i++ {
							l.Info().Ctx(ctx).Msg("form stored")
						}
					}
				}
				// The test's own contexts allocate: count them with the bare logger.
				base := testing.AllocsPerRun(500, span(zerolog.New(io.Discard)))
				got := testing.AllocsPerRun(500, span(zerolog.New(hk.writer).Hook(hk.hook)))
				if got != base {
					t.Errorf("a span of %d lines adds %v allocs, want 0", lines, got-base)
				}
			})
		}
	}
}
