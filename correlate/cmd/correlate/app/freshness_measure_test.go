package app

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMeasureFreshness measures how long a line takes from being written
// to being found by a lookup of `correlate serve`, while other files take
// 50,000 lines/s (CORRELATE_MEASURE_RATE sets another rate): a JSON line
// in a busy file, a JSON line and a text line in a quiet file (the text
// line waits out the idle flush), and a line pushed to /api/v1/ingest.
// It is a measurement, not a check of times: run it with
// CORRELATE_MEASURE=1. A probe is looked for every 5 ms, so the figures
// are up to 5 ms late.
func TestMeasureFreshness(t *testing.T) {
	if os.Getenv("CORRELATE_MEASURE") == "" {
		t.Skip("a measurement: set CORRELATE_MEASURE=1")
	}
	const (
		busy   = 4
		probes = 200
	)
	rate := 50000 // lines/s into the busy files; CORRELATE_MEASURE_RATE sets another
	if v := os.Getenv("CORRELATE_MEASURE_RATE"); v != "" {
		var err error
		if rate, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for _, n := range []string{"busy-0.log", "busy-1.log", "busy-2.log", "busy-3.log", "quiet-json.log", "quiet-text.log"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	s := runServe(t, "--logs", filepath.Join(dir, "*.log"))

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written sync.Map // busy file -> lines
	for b := range busy {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("busy-%d.log", b)), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			var buf []byte
			n := 0
			began := time.Now()
			for {
				select {
				case <-stop:
					written.Store(b, n)
					return
				case <-tick.C:
				}
				// what is due by now, so that a late tick does not lower the rate
				due := int(time.Since(began).Seconds() * float64(rate) / busy)
				buf = buf[:0]
				now := time.Now().UTC().Format(time.RFC3339Nano)
				for ; n < due; n++ {
					buf = fmt.Appendf(buf, `{"time":%q,"level":"info","msg":"load %d","service.name":"load-%d","trace_id":"%016x%016x","span_id":"%016x"}`+"\n",
						now, n, b, b+1, n/10+1, n+1)
				}
				f.Write(buf)
			}
		}()
	}
	began := time.Now()
	time.Sleep(time.Second) // reach the steady rate

	found := func(tid string, deadline time.Time) bool {
		for time.Now().Before(deadline) {
			if len(s.traceLogs(t, tid)) > 0 {
				return true
			}
			time.Sleep(5 * time.Millisecond)
		}
		return false
	}
	appendLine := func(name, line string) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(line + "\n")
		f.Close()
	}
	kinds := []struct {
		name  string
		write func(tid string)
	}{
		{"followed, JSON line in a busy file", func(tid string) {
			appendLine("busy-0.log", fmt.Sprintf(`{"level":"info","msg":"probe","trace_id":%q}`, tid))
		}},
		{"followed, JSON line in a quiet file", func(tid string) {
			appendLine("quiet-json.log", fmt.Sprintf(`{"level":"info","msg":"probe","trace_id":%q}`, tid))
		}},
		{"followed, text line in a quiet file", func(tid string) {
			appendLine("quiet-text.log", fmt.Sprintf(`%s INFO probe trace_id=%s`, time.Now().UTC().Format(time.RFC3339Nano), tid))
		}},
		{"pushed to /api/v1/ingest", func(tid string) {
			resp, err := http.Post(s.URL+"/api/v1/ingest?source=probe", "application/x-ndjson",
				strings.NewReader(fmt.Sprintf(`{"level":"info","msg":"probe","trace_id":%q}`+"\n", tid)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}},
	}
	var report strings.Builder
	for k, kind := range kinds {
		var lat []time.Duration
		missed := 0
		for i := range probes {
			tid := fmt.Sprintf("%016x%016x", 0xf0+k, i+1)
			start := time.Now()
			kind.write(tid)
			if !found(tid, start.Add(10*time.Second)) {
				missed++
				continue
			}
			lat = append(lat, time.Since(start))
			// a random pause, so that writes do not lock onto the poll
			time.Sleep(time.Duration(20+rand.IntN(100)) * time.Millisecond)
		}
		slices.Sort(lat)
		if len(lat) == 0 {
			t.Errorf("%s: no probe found", kind.name)
			continue
		}
		fmt.Fprintf(&report, "%-40s p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (%d probes, %d not found in 10 s)\n", kind.name,
			ms(lat[len(lat)/2]), ms(lat[(len(lat)*99)/100]), ms(lat[len(lat)-1]), len(lat), missed)
	}
	close(stop)
	wg.Wait()
	total := 0
	written.Range(func(_, v any) bool { total += v.(int); return true })
	resp, err := http.Get(s.URL + "/metrics")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "correlate_ingest_wait_seconds_sum") || strings.HasPrefix(l, "correlate_ingest_wait_seconds_count") {
				report.WriteString(l + "\n")
			}
		}
	}
	t.Logf("while writing %d lines to %d busy files (%.0f lines/s):\n%s", total, busy, float64(total)/time.Since(began).Seconds(), report.String())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
