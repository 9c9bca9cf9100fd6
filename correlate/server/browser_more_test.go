package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/traceline/traceline/correlate/internal/browsertest"
)

// TestBrowserLoadMore shows a trace longer than a page: the first page at
// once, the rest through "Load more lines", each line once, in order.
func TestBrowserLoadMore(t *testing.T) {
	const id, n = "10ad0000000000000000000000000042", 25
	_, _, base := startServer(t, func(c *Config) { c.PageLines = 10 })
	var b strings.Builder
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&b, `{"time":"%s","level":"info","msg":"line %02d","trace_id":"%s"}`+"\n", t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), i, id)
	}
	postOK(t, base+"/api/v1/ingest", "application/x-ndjson", []byte(b.String()))
	ctx := browsertest.New(t, 60*time.Second)

	msgs := `[...document.querySelectorAll("#orphans li.log .msg")].map(e => e.textContent)`
	var first, second, all []string
	var buttons int
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/trace/"+id),
		chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
		chromedp.Evaluate(msgs, &first),
		chromedp.Click(`#load-more`, chromedp.ByID),
		chromedp.WaitVisible(`body[data-pages="2"]`, chromedp.ByQuery),
		chromedp.Evaluate(msgs, &second),
		chromedp.Click(`#load-more`, chromedp.ByID),
		chromedp.WaitVisible(`body[data-pages="3"]`, chromedp.ByQuery),
		chromedp.Evaluate(msgs, &all),
		chromedp.Evaluate(`document.querySelectorAll("#load-more").length`, &buttons),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if len(first) != 10 || len(second) != 20 {
		t.Errorf("pages showed %d then %d lines, want 10 then 20", len(first), len(second))
	}
	if len(all) != n {
		t.Fatalf("after the last page %d lines, want %d: %q", len(all), n, all)
	}
	for i, m := range all {
		if want := fmt.Sprintf("line %02d", i); m != want {
			t.Errorf("line %d shows %q, want %q", i, m, want)
		}
	}
	if buttons != 0 {
		t.Error("the last page still offers more")
	}
}

// TestBrowserHighlightPastFirstPage: a highlighted line beyond the first
// page of a long trace is read in by the page itself, then shown
// highlighted; a line the trace lacks says so.
func TestBrowserHighlightPastFirstPage(t *testing.T) {
	const id, n = "10ad0000000000000000000000000043", 25
	_, _, base := startServer(t, func(c *Config) { c.PageLines = 10 })
	var b strings.Builder
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&b, `{"time":"%s","level":"info","msg":"line %02d","trace_id":"%s"}`+"\n", t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), i, id)
	}
	postOK(t, base+"/api/v1/ingest?source=long", "application/x-ndjson", []byte(b.String()))
	ctx := browsertest.New(t, 60*time.Second)

	var hl, afterMore, missing string
	var shown, mergedHL int
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/trace/"+id+"?line=push%3Along%3A13"),
		chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("li.log.hl .msg").textContent`, &hl),
		chromedp.Evaluate(`document.querySelectorAll("#orphans li.log").length`, &shown),
		// More lines keep the highlight; so does the merged view.
		chromedp.Click(`#load-more`, chromedp.ByID),
		chromedp.WaitVisible(`body[data-pages="2"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#orphans li.log.hl .msg").textContent`, &afterMore),
		chromedp.Click(`#merged-toggle`, chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll("#merged li.log.hl").length`, &mergedHL),
		chromedp.Navigate(base+"/trace/"+id+"?line=push%3Along%3A99"),
		chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
		chromedp.Text("#highlight-missing", &missing, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if hl != "line 12" || shown != 20 {
		t.Errorf("highlighted %q with %d lines shown; want line 12 after reading the two pages up to it", hl, shown)
	}
	if afterMore != "line 12" || mergedHL != 1 {
		t.Errorf("after more lines the highlight is on %q, %d in the merged view", afterMore, mergedHL)
	}
	if !strings.Contains(missing, "push:long:99") {
		t.Errorf("a line the trace lacks: %q", missing)
	}
}

// TestBrowserMergedReadingOrder: the merged view keeps the server's reading
// order, in which a whole-second time (zerolog's default) is placed inside
// its second instead of before the millisecond lines that caused it, and
// shows that time as approximate.
func TestBrowserMergedReadingOrder(t *testing.T) {
	const id = "10ad0000000000000000000000000044"
	_, _, base := startServer(t, nil)
	line := func(at, msg string) string {
		return fmt.Sprintf(`{"time":"%s","level":"info","msg":"%s","trace_id":"%s"}`+"\n", at, msg, id)
	}
	postOK(t, base+"/api/v1/ingest?source=gateway", "application/x-ndjson", []byte(
		line("2026-11-01T12:00:01.200Z", "request received")+
			line("2026-11-01T12:00:01.300Z", "job enqueued")+
			line("2026-11-01T12:00:01.900Z", "answered 202")))
	postOK(t, base+"/api/v1/ingest?source=worker", "application/x-ndjson", []byte(
		line("2026-11-01T12:00:01Z", "job started")))
	ctx := browsertest.New(t, 60*time.Second)

	var order, approx []string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/trace/"+id),
		chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
		chromedp.Click(`#merged-toggle`, chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll("#merged li.log .msg")].map(e => e.textContent)`, &order),
		chromedp.Evaluate(`[...document.querySelectorAll("#merged li.log")].filter(e => (e.querySelector(".time") || {}).textContent.startsWith("~")).map(e => e.querySelector(".msg").textContent)`, &approx),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if want := "request received|job enqueued|job started|answered 202"; strings.Join(order, "|") != want {
		t.Errorf("merged view order %q, want %q", strings.Join(order, "|"), want)
	}
	if strings.Join(approx, "|") != "job started" {
		t.Errorf("approximate times on %q, want only the whole-second line", approx)
	}
}
