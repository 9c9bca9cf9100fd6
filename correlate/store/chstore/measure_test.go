package chstore

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/failures"
	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/internal/clickhousetest"
	"github.com/traceline/traceline/correlate/internal/loggen"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// TestMeasure indexes a generated corpus into the embedded store, one
// ClickHouse server and two shards behind a Distributed table, one after
// the other, and reports ingest throughput, lookup latency and the
// latency of searches and of the failing-requests list of each. It runs
// only when CHSTORE_MEASURE_ENTRIES is set:
//
//	CHSTORE_MEASURE_ENTRIES=1000000 go test -run Measure -v -timeout 60m ./store/chstore
func TestMeasure(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CHSTORE_MEASURE_ENTRIES"))
	if n <= 0 {
		t.Skip("set CHSTORE_MEASURE_ENTRIES=1000000 to measure")
	}
	lookups := 2000
	if v, err := strconv.Atoi(os.Getenv("CHSTORE_MEASURE_LOOKUPS")); err == nil && v > 0 {
		lookups = v
	}
	ctx := context.Background()
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	start := time.Now()
	truth, err := loggen.Generate(loggen.Config{Dir: logs, Entries: n, Seed: 1, Stacks: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated %d entries, %d lines, %.0f MB in %s", truth.Entries, truth.Lines, float64(truth.Bytes)/1e6, time.Since(start).Round(time.Millisecond))
	c := clickhousetest.Start(t, 2)
	single := &clickhousetest.Servers{Name: c.Name, Servers: c.Servers[:1]}
	rng := rand.New(rand.NewPCG(1, 2))
	sample := make([]int, lookups)
	for i := range sample {
		sample[i] = rng.IntN(len(truth.TraceIDs))
	}
	type target struct {
		name string
		open func() (store.Store, func() int64)
	}
	targets := []target{
		{"embedded (pebble)", func() (store.Store, func() int64) {
			d := filepath.Join(dir, "pebble")
			st, err := pebblestore.Open(d, pebblestore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return st, func() int64 { st.Flush(); return pebblestore.DirSize(d) }
		}},
		{"clickhouse, 1 server", func() (store.Store, func() int64) {
			st := openStore(t, single, "measure1", "")
			return st, func() int64 { s, _ := st.Stats(ctx); return s.SizeBytes }
		}},
		{"clickhouse, 2 shards", func() (store.Store, func() int64) {
			st := openStore(t, c, "measure2", "")
			return st, func() int64 { s, _ := st.Stats(ctx); return s.SizeBytes }
		}},
	}
	for _, tg := range targets {
		st, size := tg.open()
		cfg := ingest.DefaultConfig()
		cfg.Paths = []string{logs}
		cfg.Host = "bench"
		is, err := ingest.Index(ctx, st, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if is.Entries != int64(truth.Entries) {
			t.Errorf("%s: indexed %d entries, want %d", tg.name, is.Entries, truth.Entries)
		}
		lat := make([]time.Duration, 0, len(sample))
		wrong := 0
		for _, i := range sample {
			ids, _ := store.ParseTraceID(truth.TraceIDs[i])
			t0 := time.Now()
			recs, err := st.Logs(ctx, ids...)
			lat = append(lat, time.Since(t0))
			if err != nil || len(recs) != int(truth.Count[i]) {
				wrong++
			}
		}
		slices.Sort(lat)
		p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))].Round(10 * time.Microsecond) }
		t.Logf("%-22s ingest %8.0f entries/s (%s)  lookups p50 %-9s p99 %-9s  size %.0f MB  wrong %d/%d",
			tg.name, float64(is.Entries)/is.Elapsed.Seconds(), is.Elapsed.Round(time.Millisecond), p(0.5), p(0.99), float64(size())/1e6, wrong, len(sample))
		if wrong > 0 {
			t.Errorf("%s: %d lookups returned the wrong number of entries", tg.name, wrong)
		}
		measureSearch(t, tg.name, st)
		st.Close()
	}
}

// measureSearch times the queries docs/BENCHMARKS.md reports for the
// embedded store (failures.TestMeasureSearch) on st, over the corpus's
// last hour: 20 runs each, p50 and p99.
func measureSearch(t *testing.T, name string, st store.Store) {
	ctx := context.Background()
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	end := stats.Newest.Add(time.Nanosecond)
	hour := end.Add(-time.Hour)
	sr := st.(store.Searcher)
	run := func(what string, fn func() (int, int, error)) {
		var ds []time.Duration
		var n, scanned int
		for range 20 {
			t0 := time.Now()
			var err error
			n, scanned, err = fn()
			if err != nil {
				t.Fatalf("%s, %s: %v", name, what, err)
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		t.Logf("%-22s %-45s p50 %-9s p99 %-9s (%d results, %d scanned)", name, what,
			ds[len(ds)/2].Round(10*time.Microsecond), ds[len(ds)*99/100].Round(10*time.Microsecond), n, scanned)
	}
	search := func(q store.SearchQuery) func() (int, int, error) {
		return func() (int, int, error) {
			pg, err := sr.Search(ctx, q)
			return len(pg.Entries), pg.Scanned, err
		}
	}
	run("service=payments level=error, newest 100", search(store.SearchQuery{From: hour, To: end, Services: []string{"payments"}, Levels: []string{"error"}, Limit: 100}))
	run("level=error, newest 100", search(store.SearchQuery{From: hour, To: end, Levels: []string{"error"}, Limit: 100}))
	run(`text "TOKEN refreshed", newest 100`, search(store.SearchQuery{From: hour, To: end, Text: "TOKEN refreshed", Limit: 100}))
	run("failures, last 15 minutes, newest 100", func() (int, int, error) {
		res, err := failures.List(ctx, st.(failures.Store), nil, failures.Query{From: end.Add(-15 * time.Minute), To: end})
		return len(res.Failures), res.Scanned, err
	})
}
