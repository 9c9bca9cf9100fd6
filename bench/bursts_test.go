package bench

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// burstVariant is one thing timed by bursts: log(i) writes (or does) the
// i-th line; each variant counts its own i, so every one walks the span
// rings the same way.
type burstVariant struct {
	name string
	log  func(i int)
}

// burstRounds is the number of rounds a bursts test runs: 300, or
// TRACELINE_BURSTS_ROUNDS. The tests run only with TRACELINE_BURSTS=1.
func burstRounds(t *testing.T) int {
	if os.Getenv("TRACELINE_BURSTS") == "" {
		t.Skip("set TRACELINE_BURSTS=1 to run")
	}
	if n, err := strconv.Atoi(os.Getenv("TRACELINE_BURSTS_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 300
}

// burstLines is the number of calls in a burst: 1,000, or
// TRACELINE_BURSTS_LINES. Bursts of 100,000 lines span several GC cycles,
// so that their fastest burst keeps what a variant's allocations cost the
// collector.
func burstLines() int {
	if n, err := strconv.Atoi(os.Getenv("TRACELINE_BURSTS_LINES")); err == nil && n > 0 {
		return n
	}
	return 1000
}

// runBursts estimates each variant's cost per call on a busy machine, where
// other processes inflate a benchmark's wall time: the variants run in
// short interleaved bursts of 1,000 calls (see burstLines), and each keeps
// its fastest burst, the one least disturbed. It logs each variant's time
// and its difference from the first variant, and returns the times in ns.
func runBursts(t *testing.T, title string, rounds int, vs []burstVariant) []float64 {
	burst := burstLines()
	best := make([]time.Duration, len(vs))
	next := make([]int, len(vs))
	for r := 0; r < rounds; r++ {
		for v := range vs {
			log := vs[v].log
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
	ns := make([]float64, len(vs))
	for v := range vs {
		ns[v] = float64(best[v].Nanoseconds()) / float64(burst)
	}
	for v := range vs {
		t.Logf("%-22s %-34s %7.1f ns  %+7.1f vs %s", title, vs[v].name, ns[v], ns[v]-ns[0], vs[0].name)
	}
	return ns
}
