package pebblestore

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// TestLookupLatency measures Logs over 1,000 random trace ids of an index
// built by `correlate index` from loggen output (see
// internal/loggen/bench-correlate.sh):
//
//	CORRELATE_BENCH_DATA=idx CORRELATE_BENCH_TRUTH=truth.tsv go test -run LookupLatency -v ./store/pebblestore
//
// It checks every lookup against the ground truth and logs p50/p99/max.
func TestLookupLatency(t *testing.T) {
	dir, truthPath := os.Getenv("CORRELATE_BENCH_DATA"), os.Getenv("CORRELATE_BENCH_TRUTH")
	if dir == "" || truthPath == "" {
		t.Skip("set CORRELATE_BENCH_DATA and CORRELATE_BENCH_TRUTH (see internal/loggen/bench-correlate.sh)")
	}
	f, err := os.Open(truthPath)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var counts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id, n, _ := strings.Cut(sc.Text(), "\t")
		ids, counts = append(ids, id), append(counts, n)
	}
	f.Close()
	st, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	// Warm up as a running server would be: its tables open, their index
	// and filter blocks cached. The measured ids are drawn apart.
	warm := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200; i++ {
		q, _ := store.ParseTraceID(ids[warm.IntN(len(ids))])
		if _, err := st.Logs(ctx, q...); err != nil {
			t.Fatal(err)
		}
	}
	measure := func(name string, lookup func(q []store.TraceID) ([]parse.Record, error)) {
		rng := rand.New(rand.NewPCG(1, 2))
		var lat []time.Duration
		lines := 0
		for i := 0; i < 1000; i++ {
			k := rng.IntN(len(ids))
			q, _ := store.ParseTraceID(ids[k])
			t0 := time.Now()
			recs, err := lookup(q)
			lat = append(lat, time.Since(t0))
			if err != nil {
				t.Fatalf("%s: %s: %v", name, ids[k], err)
			}
			if got := len(recs); strings.TrimSpace(counts[k]) != itoa(got) {
				t.Errorf("%s: %s: %d lines, truth says %s", name, ids[k], got, counts[k])
			}
			lines += len(recs)
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		t.Logf("%s: 1000 over %d traces, %d lines; p50 %v p90 %v p99 %v max %v",
			name, len(ids), lines, lat[500], lat[900], lat[990], lat[999])
	}
	measure("lookups", func(q []store.TraceID) ([]parse.Record, error) { return st.Logs(ctx, q...) })
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
