package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// bigTraceLines is the size of the trace of TestPagedLookupsStayBounded:
// with CORRELATE_MEASURE=1, 500,000 lines (the size that took one lookup
// to 1.1 GB and eight to 4.1 GB when a lookup read the whole trace);
// otherwise 60,000, six pages.
func bigTraceLines() int {
	if os.Getenv("CORRELATE_MEASURE") != "" {
		return 500_000
	}
	return 60_000
}

const bigTrace = "5eed0000000000000000000000000001"

// writeBigTrace writes n lines of one trace over two files, in batches.
func writeBigTrace(t testing.TB, st store.Store, n int) time.Time {
	t.Helper()
	t0 := time.Date(2026, 11, 1, 23, 0, 0, 0, time.UTC) // the trace spans midnight: two buckets
	const batch = 8192
	pad := strings.Repeat("x", 120)
	for file := uint64(1); file <= 2; file++ {
		var entries []store.Entry
		for i := int(file) - 1; i < n; i += 2 {
			at := t0.Add(time.Duration(i) * 10 * time.Millisecond)
			raw := `{"time":"` + at.Format(time.RFC3339Nano) + `","level":"info","msg":"line ` + strconv.Itoa(i) + ` ` + pad + `","trace_id":"` + bigTrace + `"}`
			entries = append(entries, store.Entry{Record: parse.Record{
				File: "f" + strconv.FormatUint(file, 10) + ".log", Line: int64(i + 1), Offset: int64(i) * 200,
				Time: at, TimePrecision: time.Nanosecond, Level: "info", Msg: "line " + strconv.Itoa(i) + " " + pad,
				TraceID: bigTrace, SpanID: "00f067aa0ba902b7", Raw: raw, Lines: 1,
			}, At: at})
			if len(entries) == batch || i+2 >= n {
				cp := store.Checkpoint{FileID: file, Path: "f.log", Offset: int64(i+1) * 200}
				if err := st.Write(context.Background(), entries, cp); err != nil {
					t.Fatal(err)
				}
				entries = entries[:0]
			}
		}
	}
	return t0
}

// peakHeap samples the Go heap until stop is closed and returns the
// largest values seen of the heap's objects (live and not yet swept) and
// of the live heap as the last collection marked it.
func peakHeap(stop <-chan struct{}) <-chan [2]uint64 {
	out := make(chan [2]uint64, 1)
	go func() {
		s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		var peak [2]uint64
		tk := time.NewTicker(2 * time.Millisecond)
		defer tk.Stop()
		for {
			rtmetrics.Read(s)
			peak[0] = max(peak[0], s[0].Value.Uint64())
			peak[1] = max(peak[1], s[1].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-tk.C:
			}
		}
	}()
	return out
}

// vmHWM is the process's peak resident set (Linux), after resetPeakRSS.
func vmHWM() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}

func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// TestPagedLookupsStayBounded runs eight concurrent readers of a big
// trace (bigTraceLines) through the API, each reading every page, while the Go heap
// is sampled: it stays under the service's soft memory limit, and every
// reader sees every line exactly once, in time order.
func TestPagedLookupsStayBounded(t *testing.T) {
	const softLimit = 1 << 30 // TuneRuntime's
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(softLimit))
	n := bigTraceLines()
	dir := t.TempDir()
	st, err := pebblestore.Open(dir, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeBigTrace(t, st, n)
	cfg := DefaultConfig()
	cfg.Data = dir
	cfg.Listen = "127.0.0.1:0"
	srv := runServer(t, cfg, st, nil)
	base := "http://" + srv.Addr()

	resetPeakRSS()
	stop := make(chan struct{})
	peak := peakHeap(stop)
	start := time.Now()
	var wg sync.WaitGroup
	var pages atomic.Int64
	errs := make(chan error, 16)
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw := "&raw=" + strconv.Itoa(c%2) // half ask for the raw lines too
			seen := make([]bool, n)
			var lastTime time.Time
			cursor := ""
			for {
				var body struct {
					Logs []struct {
						Line int64     `json:"line"`
						Time time.Time `json:"time"`
					} `json:"logs"`
					Limit int    `json:"limit"`
					Next  string `json:"next"`
				}
				resp, err := http.Get(base + "/api/v1/traces/" + bigTrace + "/logs?cursor=" + url.QueryEscape(cursor) + raw)
				if err != nil {
					errs <- err
					return
				}
				err = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					errs <- fmt.Errorf("page after %q: %d %v", cursor, resp.StatusCode, err)
					return
				}
				pages.Add(1)
				if len(body.Logs) > body.Limit || body.Limit != store.DefaultPageLines {
					errs <- fmt.Errorf("a page of %d lines, limit %d", len(body.Logs), body.Limit)
					return
				}
				for _, l := range body.Logs {
					if i := l.Line - 1; i < 0 || i >= int64(n) || seen[i] {
						errs <- fmt.Errorf("line %d out of range or seen twice", l.Line)
						return
					} else {
						seen[i] = true
					}
					if l.Time.Before(lastTime) {
						errs <- fmt.Errorf("line %d at %s after %s", l.Line, l.Time, lastTime)
						return
					}
					lastTime = l.Time
				}
				if body.Next == "" {
					break
				}
				cursor = body.Next
			}
			for i, ok := range seen {
				if !ok {
					errs <- fmt.Errorf("line %d never came", i+1)
					return
				}
			}
		}()
	}
	// And the joined trace's first page, eight at once.
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body struct {
				Orphans []json.RawMessage `json:"orphans"`
				Next    string            `json:"next"`
			}
			resp, err := http.Get(base + "/api/v1/traces/" + bigTrace)
			if err != nil {
				errs <- err
				return
			}
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if err != nil || len(body.Orphans) != store.DefaultPageLines || body.Next == "" {
				errs <- fmt.Errorf("joined: %d lines, next %q, %v", len(body.Orphans), body.Next, err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	p := <-peak
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d lines; 8 readers of every page (%d pages) and 8 joined lookups in %s; peak Go heap %d MiB, peak live heap %d MiB (soft limit %d MiB); peak RSS of the test process %s",
		n, pages.Load(), time.Since(start).Round(time.Millisecond), p[0]>>20, p[1]>>20, softLimit>>20, vmHWM())
	if p[0] > softLimit {
		t.Errorf("peak heap %d MiB over the soft limit %d MiB", p[0]>>20, softLimit>>20)
	}
	if os.Getenv("CORRELATE_MEASURE") == "" {
		return
	}
	// For comparison: eight reads of the whole trace at once, as a lookup
	// read it before lookups were paged.
	ids, _ := store.ParseTraceID(bigTrace)
	stop = make(chan struct{})
	peak = peakHeap(stop)
	start = time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs, err := st.Logs(context.Background(), ids...)
			if err != nil || len(recs) != n {
				t.Errorf("whole trace: %d lines, %v", len(recs), err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	p = <-peak
	t.Logf("whole-trace reads (unpaged), 8 at once: %s; peak Go heap %d MiB, peak live heap %d MiB", time.Since(start).Round(time.Millisecond), p[0]>>20, p[1]>>20)
}
