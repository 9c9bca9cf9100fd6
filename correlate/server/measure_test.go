package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/traceline/traceline/correlate/internal/browsertest"
	"github.com/traceline/traceline/correlate/internal/jointest"
	"github.com/traceline/traceline/correlate/store/pebblestore"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/tracesource"
)

// fixedSource answers one trace, as a Jaeger that has it would.
type fixedSource struct{ tr traces.Trace }

func (f fixedSource) Trace(_ context.Context, id string, _ tracesource.Window) (traces.Trace, error) {
	if id != f.tr.TraceID {
		return traces.Trace{}, tracesource.ErrTraceNotFound
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
	// CORRELATE_MEASURE_YIELD=0 measures without lookups taking priority;
	// CORRELATE_MEASURE_NOSEARCH=1 without the search index.
	opts := pebblestore.Options{NoSearchIndex: os.Getenv("CORRELATE_MEASURE_NOSEARCH") == "1"}
	srv, _, base := startServerOn(t, opts, func(c *Config) {
		if v := os.Getenv("CORRELATE_MEASURE_YIELD"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatal(err)
			}
			c.IngestYield = d
		}
	})
	tr, recs := jointest.Synthetic(1000, 10000, 1)
	withDetails(&tr)
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
	// The first lookups warm the service (answer buffers, the heap's
	// pages, the block cache); they are reported apart from the steady
	// state that p50 and p99 describe.
	// Ingest alone first, for its rate without lookups.
	time.Sleep(2 * time.Second)
	alone := float64(pushed.Load()) / 2
	const warmup = 3
	var lat, warm []time.Duration
	during := pushed.Load()
	began := time.Now()
	var first []byte
	const lookups = 200
	for i := 0; i < warmup+lookups; i++ {
		start := time.Now()
		r, err := http.Get(base + "/api/v1/traces/" + jointest.TraceID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		// The answer's latency ends with its last byte; the client's
		// own decoding is not the service's time.
		if d := time.Since(start); i < warmup {
			warm = append(warm, d)
		} else {
			lat = append(lat, d)
		}
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("lookup: %v %s", err, r.Status)
		}
		// Check every answer, cheaply: the test shares the service's
		// process and heap, and decoding 10,000 lines per lookup here
		// would make the service's collector work for the client. The
		// same trace gives the same answer, so only one that differs in
		// size from the first is decoded again.
		if i == 0 || len(b) != len(first) {
			var j struct{ Spans []json.RawMessage }
			json.Unmarshal(b, &j)
			if len(j.Spans) != 1000 {
				t.Fatalf("%d spans", len(j.Spans))
			}
			if i == 0 {
				first = b
			}
		}
	}
	rate := float64(pushed.Load()-during) / time.Since(began).Seconds()
	close(stop)
	wg.Wait()
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	t.Logf("push ingest: %.0f lines/s alone, %.0f lines/s while lookups ran (ingest yield %v)", alone, rate, srv.cfg.IngestYield)
	t.Logf("joined-trace API, 1,000 spans / 10,000 lines, while %d lines were pushed: p50 %v, p99 %v, max %v (first %d lookups, not counted: %v)",
		pushed.Load(), rank(lat, 0.50).Round(time.Millisecond), rank(lat, 0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), warmup, warm)

	ctx := browsertest.New(t, 120*time.Second)
	// The page as a pasted line opens it: a line near the end highlighted
	// and scrolled into view.
	page := base + "/trace/" + jointest.TraceID + "?line=" + url.QueryEscape("push:big:9000")
	// On a shared machine the fastest of several loads is the closest to
	// the page's own cost; the median is what a reader waits.
	const loads = 9
	var renders []int
	for i := 0; i < loads; i++ {
		var ms, split string
		var hl int
		if err := chromedp.Run(ctx,
			chromedp.Navigate(page),
			chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
			chromedp.Evaluate(`String(Math.round(performance.now()))`, &ms),
			chromedp.Evaluate(`"script " + Math.round(performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd) + " ms, fetch+render " + document.body.getAttribute("data-rendered-ms") + " ms, render " + document.body.getAttribute("data-render-ms") + " ms"`, &split),
			chromedp.Evaluate(`document.querySelectorAll("li.log.hl").length`, &hl),
		); err != nil {
			t.Fatal(err)
		}
		if hl != 1 {
			t.Fatalf("%d lines highlighted, want 1", hl)
		}
		t.Logf("load %d: %s ms to first render (%s)", i+1, ms, split)
		var v int
		fmt.Sscan(ms, &v)
		renders = append(renders, v)
	}
	inOrder := fmt.Sprint(renders)
	sort.Ints(renders)
	t.Logf("page load to first render in Chromium, a line highlighted (navigation start to rendered waterfall): min %d ms, median %d ms, max %d ms (in load order: %s ms; the first is a fresh browser)",
		renders[0], renders[loads/2], renders[loads-1], inOrder)
}

// withDetails gives every span what a real one carries: attributes, a
// resource and an event, all in the joined trace's JSON.
func withDetails(tr *traces.Trace) {
	for i := range tr.Spans {
		s := &tr.Spans[i]
		s.Own = []traces.Attr{{Key: "code.function", Value: s.Name}, {Key: "http.method", Value: "POST"}, {Key: "http.route", Value: "/forms/{id}"},
			{Key: "http.status_code", Value: "200"}, {Key: "net.peer.name", Value: "forms.internal"}, {Key: "user.tier", Value: "standard"}}
		s.Resource = []traces.Attr{{Key: "host.name", Value: "node-7"}, {Key: "service.name", Value: s.Service}, {Key: "service.version", Value: "1.4.2"}}
		s.Events = []traces.Event{{Time: s.Start, Name: "start", Attributes: []traces.Attr{{Key: "attempt", Value: "1"}}}}
	}
}

// rank returns the nearest-rank q-quantile of sorted ds: the smallest value
// that at least q of the values do not exceed.
func rank(ds []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[max(i, 0)]
}
