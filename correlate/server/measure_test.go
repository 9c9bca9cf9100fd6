package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/traceline/traceline/correlate/internal/browsertest"
	"github.com/traceline/traceline/correlate/join/jointest"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/tracesrc"
)

// fixedSource answers one trace, as a Jaeger that has it would.
type fixedSource struct{ tr traces.Trace }

func (f fixedSource) Trace(_ context.Context, id string, _ tracesrc.Window) (traces.Trace, error) {
	if id != f.tr.TraceID {
		return traces.Trace{}, tracesrc.ErrTraceNotFound
	}
	return f.tr, nil
}

// TestMeasureBigTrace measures the joined-trace API for 1,000 spans and
// 10,000 lines while lines are pushed at full speed, and the page's first
// render of that trace in Chromium. It is a measurement, not a check of
// times: run it with CORRELATE_MEASURE=1 (make bench-correlate).
func TestMeasureBigTrace(t *testing.T) {
	if os.Getenv("CORRELATE_MEASURE") == "" {
		t.Skip("a measurement: set CORRELATE_MEASURE=1")
	}
	TuneRuntime() // as `correlate serve` does
	srv, _, base := startServer(t, nil)
	tr, recs := jointest.Synthetic(1000, 10000, 1)
	srv.src = fixedSource{tr}
	var body strings.Builder
	for i := range recs {
		body.Write(recs[i].AppendJSON(nil))
		body.WriteByte('\n')
	}
	resp, err := http.Post(base+"/api/v1/ingest?source=big", "application/x-ndjson", strings.NewReader(body.String()))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("ingest: %v %v", err, resp.Status)
	}
	resp.Body.Close()

	// Ingest at full speed from a second goroutine while measuring.
	stop := make(chan struct{})
	var pushed atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			var b strings.Builder
			for i := 0; i < 500; i++ {
				fmt.Fprintf(&b, `{"time":"2026-11-24T13:00:00.%06dZ","level":"info","msg":"background %d","trace_id":"%032x"}`+"\n", i, n, n*500+i+1)
			}
			r, err := http.Post(base+"/api/v1/ingest?source=load", "application/x-ndjson", strings.NewReader(b.String()))
			if err == nil {
				r.Body.Close()
				pushed.Add(500)
			}
		}
	}()
	var lat []time.Duration
	for i := 0; i < 100; i++ {
		start := time.Now()
		r, err := http.Get(base + "/api/v1/traces/" + jointest.TraceID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		// The answer's latency ends with its last byte; the client's
		// own decoding is not the service's time.
		lat = append(lat, time.Since(start))
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("lookup: %v %s", err, r.Status)
		}
		var j struct{ Spans []json.RawMessage }
		json.Unmarshal(b, &j)
		if len(j.Spans) != 1000 {
			t.Fatalf("%d spans", len(j.Spans))
		}
	}
	close(stop)
	wg.Wait()
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	t.Logf("joined-trace API, 1,000 spans / 10,000 lines, while %d lines were pushed: p50 %v, p99 %v",
		pushed.Load(), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond))

	ctx := browsertest.New(t, 120*time.Second)
	var renders []int
	for i := 0; i < 5; i++ {
		var ms string
		if err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/trace/"+jointest.TraceID),
			chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
			chromedp.Evaluate(`String(Math.round(performance.now()))`, &ms),
		); err != nil {
			t.Fatal(err)
		}
		var v int
		fmt.Sscan(ms, &v)
		renders = append(renders, v)
	}
	sort.Ints(renders)
	t.Logf("page load to first render in Chromium (navigation start to rendered waterfall): median %d ms, max %d ms", renders[2], renders[4])
}
