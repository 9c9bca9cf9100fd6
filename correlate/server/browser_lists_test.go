package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.opentelemetry.io/otel/codes"

	"github.com/traceline/traceline/correlate/internal/browsertest"
	"github.com/traceline/traceline/correlate/internal/jaegertest"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// waitPage waits until the script cond holds in the tab, across the
// navigations the page makes on its own.
func waitPage(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(cond, &ok)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the page never reached %s", cond)
}

// pushedTrace pushes a trace's lines (no spans: no trace source) and
// returns its id and where the index holds each line, by message.
func pushedTrace(t *testing.T, base string) (string, map[string]string) {
	t.Helper()
	const id, span = "5ea2c4000000000000000000000000a1", "00000000000000b2"
	t0 := time.Now().Add(-time.Minute).UTC()
	var b strings.Builder
	for i, l := range []struct{ level, msg string }{
		{"info", "form received"}, {"warn", "retrying insert"}, {"error", "insert failed: deadlock"}, {"error", "form lost"}, {"info", "answered 500"},
	} {
		fmt.Fprintf(&b, `{"time":"%s","level":"%s","msg":"%s","service.name":"forms","trace_id":"%s","span_id":"%s"}`+"\n",
			t0.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), l.level, l.msg, id, span)
	}
	postOK(t, base+"/api/v1/ingest?source=forms", "application/x-ndjson", []byte(b.String()))
	resp, err := http.Get(base + "/api/v1/traces/" + id + "/logs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Logs []struct {
			File string `json:"file"`
			Line int64  `json:"line"`
			Msg  string `json:"msg"`
		} `json:"logs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Logs) != 5 {
		t.Fatalf("pushed lines: %v, %d", err, len(body.Logs))
	}
	at := map[string]string{}
	for _, l := range body.Logs {
		at[l.Msg] = fmt.Sprintf("%s:%d", l.File, l.Line)
	}
	return id, at
}

// pushJSON pushes lines, each a JSON object, to /api/v1/ingest.
func pushJSON(t *testing.T, base string, lines ...map[string]any) {
	t.Helper()
	var b bytes.Buffer
	for _, l := range lines {
		out, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(out)
		b.WriteByte('\n')
	}
	postOK(t, base+"/api/v1/ingest?source=lists", "application/x-ndjson", b.Bytes())
}

// fetched returns the query of each request the page made to path, in
// order, as the browser's resource timings record them.
func fetched(t *testing.T, ctx context.Context, path string) []url.Values {
	t.Helper()
	var names []string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`performance.getEntriesByType("resource").map(e => e.name)`, &names)); err != nil {
		t.Fatal(err)
	}
	var out []url.Values
	for _, n := range names {
		u, err := url.Parse(n)
		if err != nil {
			t.Fatal(err)
		}
		if u.Path == path {
			out = append(out, u.Query())
		}
	}
	return out
}

// pwnedEval and injectedEval are what a test evaluates after the page showed hostile
// strings: whether any ran, and how many elements they became.
const (
	pwnedEval    = `String(window.__pwned)`
	injectedEval = `document.querySelectorAll("#main img, #main script, #main a[href^='javascript']").length`
)

// TestBrowserSearch: the search bar sends text, service, level and window
// to /api/v1/search, shows the results newest first a page at a time, each
// a link to its trace that lands on the line highlighted; hostile
// messages, field values and service names stay text.
func TestBrowserSearch(t *testing.T) {
	_, _, base := startServer(t, nil)
	traceID, at := pushedTrace(t, base)

	// More matching lines than a page of 50, older than the trace's, every
	// other one traced; the oldest has a time to the second only. Between them, lines the
	// search must leave out: another service, another level, no "insert",
	// and one outside the window.
	const matching = 55
	now := time.Now().UTC()
	want := []string{"insert failed: deadlock"}
	var lines []map[string]any
	line := func(at time.Time, layout, svc, level, msg string) map[string]any {
		return map[string]any{"time": at.Format(layout), "level": level, "msg": msg, "service.name": svc}
	}
	for i := range matching {
		ti, layout := now.Add(-2*time.Minute-time.Duration(i)*100*time.Millisecond), time.RFC3339Nano
		if i == matching-1 {
			ti, layout = ti.Truncate(time.Second), time.RFC3339
		}
		l := line(ti, layout, "forms", "error", fmt.Sprintf("insert %d: %s", i, hostile[i%len(hostile)]))
		if i%2 == 0 {
			// Fields are kept of traced lines.
			l["trace_id"] = fmt.Sprintf("%032x", 0xf000+i)
			l["user"] = hostile[(i+1)%len(hostile)]
			l[hostile[1]] = "x"
		}
		lines = append(lines, l)
		want = append(want, l["msg"].(string))
		if i >= 50 {
			noise := ti.Add(50 * time.Millisecond)
			lines = append(lines,
				line(noise, time.RFC3339Nano, "other", "error", "insert by another service"),
				line(noise, time.RFC3339Nano, "forms", "info", "insert at info"),
				line(noise, time.RFC3339Nano, "forms", "error", "no such word here"))
		}
	}
	lines = append(lines, line(now.Add(-7*time.Hour), time.RFC3339Nano, "forms", "error", "insert outside the window"))
	pushJSON(t, base, lines...)
	ctx := browsertest.New(t, 60*time.Second)

	var first, all []string
	var nextHidden bool
	var approx []string
	var fields, href, pwned, search string
	var injected int
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`body[data-ready="failures"]`, chromedp.ByQuery),
		chromedp.SendKeys("#s-q", "insert", chromedp.ByID),
		chromedp.SendKeys("#s-service", "forms", chromedp.ByID),
		chromedp.SetValue("#s-level", "error", chromedp.ByID),
		chromedp.SetValue("#s-since", "6h", chromedp.ByID),
		chromedp.Click(`#searchbar button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`body[data-ready="search"]`, chromedp.ByQuery),
		chromedp.Evaluate(`location.search`, &search),
		chromedp.Evaluate(`[...document.querySelectorAll("#results tbody tr td.msg > span:first-child")].map(e => e.textContent)`, &first),
		chromedp.Evaluate(`document.querySelectorAll("#results tbody tr td.msg")[1].querySelector(".fields").textContent`, &fields),
		chromedp.Evaluate(`document.querySelector("#results tbody tr a.trace-link").getAttribute("href")`, &href),
		chromedp.Click("#search-next", chromedp.ByID),
		chromedp.WaitVisible(`body[data-results]:not([data-results="50"])`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#results tbody tr td.msg > span:first-child")].map(e => e.textContent)`, &all),
		chromedp.Evaluate(`document.querySelector("#search-next").classList.contains("hidden")`, &nextHidden),
		chromedp.Evaluate(`[...document.querySelectorAll("#results tbody tr .time")].map(e => e.textContent.startsWith("~") ? "approx:" + e.title.includes("approximate") : "exact")`, &approx),
		chromedp.Evaluate(pwnedEval, &pwned),
		chromedp.Evaluate(injectedEval, &injected),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	loc, _ := url.ParseQuery(strings.TrimPrefix(search, "?"))
	asked := fetched(t, ctx, "/api/v1/search")
	if len(asked) != 2 {
		t.Fatalf("the page asked /api/v1/search %d times, want 2: %v", len(asked), asked)
	}
	for k, want := range map[string]string{"q": "insert", "service": "forms", "level": "error", "since": "6h"} {
		if got := loc.Get(k); got != want {
			t.Errorf("search page URL: %s=%q, want %q (%s)", k, got, want, search)
		}
		if asked[0].Get(k) != want || asked[1].Get(k) != want {
			t.Errorf("searches asked %s=%q then %q, want %q", k, asked[0].Get(k), asked[1].Get(k), want)
		}
	}
	if asked[0].Get("limit") != "50" || asked[0].Has("cursor") || asked[1].Get("cursor") == "" {
		t.Errorf("pages asked %v then %v, want limit=50 and the next page by its cursor", asked[0], asked[1])
	}
	if len(first) != 50 || strings.Join(first, "\n") != strings.Join(want[:50], "\n") {
		t.Errorf("first page (%d) %q, want %q", len(first), first, want[:50])
	}
	if strings.Join(all, "\n") != strings.Join(want, "\n") || !nextHidden {
		t.Errorf("after next (%d): %q, want %q; next hidden %v", len(all), all, want, nextHidden)
	}
	if !strings.Contains(fields, "user="+hostile[1]) || !strings.Contains(fields, hostile[1]+"=x") {
		t.Errorf("fields shown %q, want user=%s and %s=x", fields, hostile[1], hostile[1])
	}
	wantApprox := make([]string, len(want))
	for i := range wantApprox {
		wantApprox[i] = "exact"
	}
	wantApprox[len(want)-1] = "approx:true"
	if strings.Join(approx, " ") != strings.Join(wantApprox, " ") {
		t.Errorf("times shown %q, want %q (a time to the second as ~ with a reason)", approx, wantApprox)
	}
	if want := "/trace/" + traceID + "?line=" + url.QueryEscape(at["insert failed: deadlock"]) + "#span-00000000000000b2"; href != want {
		t.Errorf("result links to %q, want %q", href, want)
	}
	if pwned != "undefined" || injected != 0 {
		t.Errorf("a hostile search result ran in the page: __pwned=%s, %d injected elements", pwned, injected)
	}

	// The result's link lands on its line, highlighted.
	var hl string
	if err := chromedp.Run(ctx,
		chromedp.Click(`#results a.trace-link`, chromedp.ByQuery),
		chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("li.log.hl .msg").textContent`, &hl),
	); err != nil {
		t.Fatalf("following the result: %v", err)
	}
	if hl != "insert failed: deadlock" {
		t.Errorf("the trace page highlights %q", hl)
	}

	// Hostile service names stay text too.
	pushJSON(t, base,
		line(now.Add(-time.Minute), time.RFC3339Nano, hostile[2], "error", "stranger one"),
		line(now.Add(-2*time.Minute), time.RFC3339Nano, hostile[3], "error", "stranger two"))
	var services []string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/search?q=stranger"),
		chromedp.WaitVisible(`body[data-ready="search"]`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#results tbody tr td:nth-child(2)")].map(e => e.textContent)`, &services),
		chromedp.Evaluate(pwnedEval, &pwned),
		chromedp.Evaluate(injectedEval, &injected),
	); err != nil {
		t.Fatalf("browser: %v", err)
	}
	if strings.Join(services, "\n") != hostile[2]+"\n"+hostile[3] {
		t.Errorf("services shown %q, want %q", services, hostile[2:4])
	}
	if pwned != "undefined" || injected != 0 {
		t.Errorf("a hostile service name ran in the page: __pwned=%s, %d injected elements", pwned, injected)
	}
}

// TestBrowserSearchUnavailable: on an index made without a search index
// the search page says so, with the correlator's reason, instead of
// failing.
func TestBrowserSearchUnavailable(t *testing.T) {
	_, _, base := startServerOn(t, pebblestore.Options{NoSearchIndex: true}, nil)
	ctx := browsertest.New(t, 60*time.Second)
	var msg, shownErr string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/search?q=x"),
		chromedp.Poll(`document.body.getAttribute("data-ready") === "search" || !document.querySelector("#error").hidden`, nil),
		chromedp.Evaluate(`(document.querySelector("#search-unavailable") || {}).textContent || ""`, &msg),
		chromedp.Evaluate(`document.querySelector("#error").hidden ? "" : document.querySelector("#error").textContent`, &shownErr),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(msg, "Search is unavailable") || !strings.Contains(msg, "index the logs again into a new data folder") || shownErr != "" {
		t.Errorf("search page says %q, error %q", msg, shownErr)
	}
}

// TestBrowserFailures: the home page lists the failing requests of the
// chosen window (15m by default), newest first, with services, first
// error, counts and sampling (a real Jaeger tells which have spans); a row
// leads to its trace with the first error line highlighted; hostile
// messages and service names stay text.
func TestBrowserFailures(t *testing.T) {
	j := jaegertest.Start(t)
	_, _, base := startServer(t, func(c *Config) { c.Jaeger = j.QueryURL })

	// Sampled: two spans in Jaeger, one in error, and its lines.
	tp := j.TracerProvider(t, "questionnaire")
	sctx, root := tp.Tracer("test").Start(context.Background(), "POST /forms")
	_, child := tp.Tracer("test").Start(sctx, "validate answers")
	child.SetStatus(codes.Error, "answer 7 out of range")
	child.End()
	root.End()
	jaegertest.Flush(t, tp)
	sampledID := root.SpanContext().TraceID().String()
	j.WaitForTrace(t, sampledID, 2)
	now := time.Now().UTC()
	traced := func(id, span, flags string, at time.Time, svc, level, msg string) map[string]any {
		return map[string]any{"time": at.Format(time.RFC3339Nano), "level": level, "msg": msg, "service.name": svc,
			"trace_id": id, "span_id": span, "trace_flags": flags}
	}
	pushJSON(t, base,
		traced(sampledID, root.SpanContext().SpanID().String(), "01", now, hostile[2], "info", "form received"),
		traced(sampledID, child.SpanContext().SpanID().String(), "01", now.Add(time.Millisecond), hostile[2], "error", hostile[0]))
	// Not sampled: lines only, a minute ago (no trace_flags) and, outside
	// the default window, half an hour ago (trace_flags 00).
	unsampledID, _ := pushedTrace(t, base)
	const oldID = "0af7651916cd43dd8448eb211c80319c"
	pushJSON(t, base, traced(oldID, "00f067aa0ba902b7", "00", now.Add(-30*time.Minute), hostile[3], "error", hostile[1]))
	ctx := browsertest.New(t, 60*time.Second)

	var since string
	var firsts, sampled, hrefs, services, spans []string
	var pwned string
	var injected int
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`body[data-ready="failures"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#f-since").value`, &since),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table tbody tr td.first-error .msg")].map(e => e.textContent)`, &firsts),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table tbody tr td.sampled")].map(e => e.textContent)`, &sampled),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table tbody tr td.services")].map(e => [...e.children].map(c => c.textContent).join("|"))`, &services),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table tbody tr td:nth-child(5)")].map(e => e.textContent)`, &spans),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table a")].map(e => e.getAttribute("href"))`, &hrefs),
		chromedp.Evaluate(pwnedEval, &pwned),
		chromedp.Evaluate(injectedEval, &injected),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if asked := fetched(t, ctx, "/api/v1/failures"); len(asked) != 1 || asked[0].Get("since") != "15m" {
		t.Errorf("the home page asked /api/v1/failures with %v, want since=15m", asked)
	}
	if since != "15m" {
		t.Errorf("default window %q, want 15m", since)
	}
	if want := []string{hostile[0], "insert failed: deadlock"}; strings.Join(firsts, "\n") != strings.Join(want, "\n") {
		t.Errorf("first errors %q, want %q", firsts, want)
	}
	if want := []string{"yes", "no: not sampled: no spans in Jaeger"}; strings.Join(sampled, "\n") != strings.Join(want, "\n") {
		t.Errorf("sampled column %q, want %q", sampled, want)
	}
	if want := []string{hostile[2] + "|questionnaire", "forms"}; strings.Join(services, "\n") != strings.Join(want, "\n") {
		t.Errorf("services column %q, want %q", services, want)
	}
	if want := []string{"2 (1 error)", "0"}; strings.Join(spans, "\n") != strings.Join(want, "\n") {
		t.Errorf("spans column %q, want %q", spans, want)
	}
	if want := []string{"/trace/" + sampledID + "?line=error", "/trace/" + unsampledID + "?line=error"}; strings.Join(hrefs, " ") != strings.Join(want, " ") {
		t.Errorf("links %q, want %q", hrefs, want)
	}
	if pwned != "undefined" || injected != 0 {
		t.Errorf("a hostile failure ran in the page: __pwned=%s, %d injected elements", pwned, injected)
	}

	// Another window: the page asks again, keeps the choice in its URL,
	// and lists the older failure too.
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(`(() => { const s = document.querySelector("#f-since"); s.value = "1h"; s.dispatchEvent(new Event("change")); })()`, nil),
	); err != nil {
		t.Fatalf("window: %v", err)
	}
	waitPage(t, ctx, `location.search === "?since=1h" && document.body.getAttribute("data-ready") === "failures"`)
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table tbody tr td.first-error .msg")].map(e => e.textContent)`, &firsts),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table tbody tr td.sampled")].map(e => e.textContent)`, &sampled),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table tbody tr td.services")].map(e => e.textContent)`, &services),
		chromedp.Evaluate(pwnedEval, &pwned),
		chromedp.Evaluate(injectedEval, &injected),
	); err != nil {
		t.Fatalf("browser: %v", err)
	}
	if asked := fetched(t, ctx, "/api/v1/failures"); len(asked) != 1 || asked[0].Get("since") != "1h" {
		t.Errorf("after choosing 1h the page asked /api/v1/failures with %v", asked)
	}
	if want := []string{hostile[0], "insert failed: deadlock", hostile[1]}; strings.Join(firsts, "\n") != strings.Join(want, "\n") {
		t.Errorf("first errors in the last hour %q, want %q", firsts, want)
	}
	if len(sampled) != 3 || sampled[2] != "no: not sampled: no spans in Jaeger (trace_flags 00)" || len(services) != 3 || services[2] != hostile[3] {
		t.Errorf("the older failure: sampled %q, services %q", sampled, services)
	}
	if pwned != "undefined" || injected != 0 {
		t.Errorf("a hostile failure ran in the page: __pwned=%s, %d injected elements", pwned, injected)
	}

	// A row leads to its trace, the first error line highlighted.
	var hl, hlSpanless string
	if err := chromedp.Run(ctx,
		chromedp.Click(`#failures-table tbody tr[data-trace="`+unsampledID+`"] a.trace-link`, chromedp.ByQuery),
		chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("li.log.hl .msg").textContent`, &hl),
		chromedp.Evaluate(`document.querySelector("li.log.hl").closest("section").id`, &hlSpanless),
	); err != nil {
		t.Fatalf("following the failure: %v", err)
	}
	if hl != "insert failed: deadlock" || hlSpanless != "orphans" {
		t.Errorf("the trace page highlights %q in %q, want the first error line", hl, hlSpanless)
	}
}

// TestBrowserFailuresUnavailable: on an index made without a search index
// the home page still opens usable: the paste box, and a note with the
// correlator's reason.
func TestBrowserFailuresUnavailable(t *testing.T) {
	_, _, base := startServerOn(t, pebblestore.Options{NoSearchIndex: true}, nil)
	ctx := browsertest.New(t, 60*time.Second)
	var msg, shownErr string
	var pasteBox bool
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Poll(`document.body.getAttribute("data-ready") === "failures" || !document.querySelector("#error").hidden`, nil),
		chromedp.Evaluate(`(document.querySelector("#failures-unavailable") || {}).textContent || ""`, &msg),
		chromedp.Evaluate(`document.querySelector("#error").hidden ? "" : document.querySelector("#error").textContent`, &shownErr),
		chromedp.Evaluate(`!!document.querySelector("#q") && document.querySelector("#q").getBoundingClientRect().height > 0`, &pasteBox),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(msg, "unavailable") || !strings.Contains(msg, "index the logs again into a new data folder") || shownErr != "" || !pasteBox {
		t.Errorf("home page without a search index: %q, error %q, paste box %v", msg, shownErr, pasteBox)
	}
}
