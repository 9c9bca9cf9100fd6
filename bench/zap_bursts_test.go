package bench

import (
	"io"
	"os"
	"strconv"
	"testing"
	"time"
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
	if os.Getenv("TRACELINE_BURSTS") == "" {
		t.Skip("set TRACELINE_BURSTS=1 to run")
	}
	rounds := 300
	if n, err := strconv.Atoi(os.Getenv("TRACELINE_BURSTS_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	const burst = 1000
	for _, perSpan := range []int{1, 5, 100} {
		logs := make([]func(i int), len(zapVariants))
		for v := range zapVariants {
			log := zapVariants[v].new(io.Discard)
			logs[v] = func(i int) { log(zapSpans[(i/perSpan)%len(zapSpans)]) }
		}
		best := make([]time.Duration, len(logs))
		next := make([]int, len(logs)) // each variant walks the spans on its own
		for r := 0; r < rounds; r++ {
			for v, log := range logs {
				start := time.Now()
				for k := 0; k < burst; k++ {
					log(next[v])
					next[v]++
				}
				if d := time.Since(start); r == 0 || d < best[v] {
					best[v] = d
				}
			}
		}
		bare := float64(best[0].Nanoseconds()) / burst
		for v := range logs {
			ns := float64(best[v].Nanoseconds()) / burst
			t.Logf("lines_per_span=%-3d %-24s %6.0f ns/line  %+6.0f vs bare", perSpan, zapVariants[v].name, ns, ns-bare)
		}
	}
}
