package failures_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/failures"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// TestMeasureSearch measures, on an index `correlate index` built from
// loggen's corpus (internal/loggen/bench-correlate.sh), a service+level
// query and text queries over the last hour of the index, the list of the
// last 15 minutes' failures, and rg over the same files in the same run:
//
//	CORRELATE_MEASURE=1 CORRELATE_BENCH_DATA=/tmp/bench10m/idx CORRELATE_BENCH_LOGS=/tmp/bench10m/logs \
//	  go test -run MeasureSearch -v -timeout 30m ./failures
func TestMeasureSearch(t *testing.T) {
	dir, logs := os.Getenv("CORRELATE_BENCH_DATA"), os.Getenv("CORRELATE_BENCH_LOGS")
	if os.Getenv("CORRELATE_MEASURE") != "1" || dir == "" {
		t.Skip("set CORRELATE_MEASURE=1 and CORRELATE_BENCH_DATA (and CORRELATE_BENCH_LOGS for rg)")
	}
	ctx := context.Background()
	st, err := pebblestore.Open(dir, pebblestore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	end := stats.Newest.Add(time.Nanosecond)
	hour := end.Add(-time.Hour)
	t.Logf("index %s: entries up to %s; windows end there", dir, stats.Newest.Format(time.RFC3339Nano))

	runs := 50
	measure := func(name string, fn func() (int, int)) {
		var ds []time.Duration
		var n, scanned int
		for i := 0; i < runs; i++ {
			s := time.Now()
			n, scanned = fn()
			ds = append(ds, time.Since(s))
		}
		slices.Sort(ds)
		t.Logf("%-55s p50 %8.2f ms  p99 %8.2f ms  (%d results, %d scanned)", name,
			ms(ds[len(ds)/2]), ms(ds[len(ds)*99/100]), n, scanned)
	}
	search := func(q store.SearchQuery) func() (int, int) {
		return func() (int, int) {
			pg, err := st.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return len(pg.Entries), pg.Scanned
		}
	}
	measure("service=payments level=error, last hour, limit 100", search(store.SearchQuery{From: hour, To: end, Services: []string{"payments"}, Levels: []string{"error"}, Limit: 100}))
	measure("service=payments level=error, last hour, limit 1000", search(store.SearchQuery{From: hour, To: end, Services: []string{"payments"}, Levels: []string{"error"}, Limit: 1000}))
	measure("level=error, last hour, limit 100", search(store.SearchQuery{From: hour, To: end, Levels: []string{"error"}, Limit: 100}))
	measure("failures, last 15 minutes, limit 100", func() (int, int) {
		res, err := failures.List(ctx, st, nil, failures.Query{From: end.Add(-15 * time.Minute), To: end})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Failures), res.Scanned
	})
	runs = 5
	measure(`text "TOKEN refreshed", last hour, limit 100`, search(store.SearchQuery{From: hour, To: end, Text: "TOKEN refreshed", Limit: 100}))
	runs = 3
	measure(`text "no such words", last hour (every entry read)`, search(store.SearchQuery{From: hour, To: end, Text: "no such words", Limit: 100}))
	if logs == "" {
		return
	}
	rg := func(args ...string) func() (int, int) {
		return func() (int, int) {
			out, _ := exec.Command("rg", append(args, logs)...).Output()
			return len(out), 0
		}
	}
	if _, err := exec.LookPath("rg"); err != nil {
		t.Fatal("rg is not installed")
	}
	files, _ := filepath.Glob(filepath.Join(logs, "*"))
	t.Logf("rg over %d files (%s), whole scan:", len(files), logs)
	measure(`rg -c -i "no such words" (whole scan)`, rg("-c", "-i", "no such words"))
	measure(`rg -c -i "token refreshed" (whole scan)`, rg("-c", "-i", "token refreshed"))
	measure(`rg -c '"level":"error"' (whole scan)`, rg("-c", `"level":"error"`))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
