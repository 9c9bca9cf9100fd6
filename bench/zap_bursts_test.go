package bench

import (
	"fmt"
	"io"
	"testing"
)

// TestZapBursts estimates each variant's cost per line on a busy machine,
// where other processes inflate a benchmark's wall time: it runs every
// variant in short interleaved bursts and keeps each one's fastest burst,
// the one least disturbed. It runs only with TRACELINE_BURSTS=1 (rounds in
// TRACELINE_BURSTS_ROUNDS, 300 by default):
//
//	TRACELINE_BURSTS=1 go test -count=1 -run ZapBursts -v .
//
// (-count=1: go test would otherwise replay a cached run's output.)
func TestZapBursts(t *testing.T) {
	rounds := burstRounds(t)
	for _, perSpan := range []int{1, 5, 100} {
		vs := make([]burstVariant, len(zapVariants))
		for v := range zapVariants {
			log := zapVariants[v].new(io.Discard)
			vs[v] = burstVariant{zapVariants[v].name, func(i int) { log(zapSpans[(i/perSpan)%len(zapSpans)]) }}
		}
		runBursts(t, fmt.Sprintf("lines_per_span=%d", perSpan), rounds, vs)
	}
}
