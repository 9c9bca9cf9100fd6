package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/traceline/traceline/correlate/internal/browsertest"
)

// frontOf serves the real server at base behind a mux whose own routes
// answer first: fakes of API routes the page uses but this server lacks.
func frontOf(t *testing.T, base string, routes map[string]http.HandlerFunc) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", httputil.NewSingleHostReverseProxy(u))
	for p, h := range routes {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

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

// queries records the query strings a fake route was asked with.
type queries struct {
	mu   sync.Mutex
	list []url.Values
}

func (q *queries) add(v url.Values) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = append(q.list, v)
}

func (q *queries) all() []url.Values {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]url.Values(nil), q.list...)
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

// TestBrowserSearch: the search bar sends text, service, level and window
// to /api/v1/search, shows the results newest first a page at a time, each
// a link to its trace that lands on the line highlighted; hostile results
// stay text.
//
// uses a fake /api/v1/search until the real route exists
func TestBrowserSearch(t *testing.T) {
	_, _, base := startServer(t, nil)
	traceID, at := pushedTrace(t, base)
	where := at["insert failed: deadlock"]
	file, line := where[:strings.LastIndex(where, ":")], where[strings.LastIndex(where, ":")+1:]
	var asked queries
	entry := func(msg, trace, span, file string, line int64, fields map[string]string) map[string]any {
		return map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano), "service": hostile[2], "level": "error", "msg": msg,
			"trace_id": trace, "span_id": span, "file": file, "line": line, "fields": fields}
	}
	var lineNo int64
	fmt.Sscan(line, &lineNo)
	front := frontOf(t, base, map[string]http.HandlerFunc{
		"GET /api/v1/search": func(w http.ResponseWriter, r *http.Request) {
			asked.add(r.URL.Query())
			var body map[string]any
			switch r.URL.Query().Get("cursor") {
			case "":
				body = map[string]any{"entries": []any{
					entry("insert failed: deadlock", traceID, "00000000000000b2", file, lineNo, map[string]string{"user": hostile[3]}),
					entry(hostile[0], "", "", "untraced.log", 9, nil),
				}, "next": "page-2", "limit": 50}
			case "page-2":
				e := entry(hostile[1], "", "", "untraced.log", 3, map[string]string{hostile[1]: "x"})
				e["time_approx"] = true
				body = map[string]any{"entries": []any{e}, "limit": 50}
			default:
				writeError(w, http.StatusBadRequest, "bad cursor")
				return
			}
			writeJSON(w, http.StatusOK, body)
		},
	})
	ctx := browsertest.New(t, 60*time.Second)

	var first, all []string
	var nextHidden bool
	var approx []string
	var href, pwned string
	var injected int
	err := chromedp.Run(ctx,
		chromedp.Navigate(front+"/"),
		chromedp.WaitVisible(`body[data-ready="failures"]`, chromedp.ByQuery),
		chromedp.SendKeys("#s-q", "insert", chromedp.ByID),
		chromedp.SendKeys("#s-service", "forms", chromedp.ByID),
		chromedp.SetValue("#s-level", "error", chromedp.ByID),
		chromedp.SetValue("#s-since", "6h", chromedp.ByID),
		chromedp.Click(`#searchbar button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`body[data-ready="search"]`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#results tbody tr td.msg > span:first-child")].map(e => e.textContent)`, &first),
		chromedp.Evaluate(`document.querySelector("#results tbody tr a.trace-link").getAttribute("href")`, &href),
		chromedp.Click("#search-next", chromedp.ByID),
		chromedp.WaitVisible(`body[data-results="3"]`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#results tbody tr td.msg > span:first-child")].map(e => e.textContent)`, &all),
		chromedp.Evaluate(`document.querySelector("#search-next").classList.contains("hidden")`, &nextHidden),
		chromedp.Evaluate(`[...document.querySelectorAll("#results tbody tr .time")].map(e => e.textContent.startsWith("~") ? "approx:" + e.title.includes("approximate") : "exact")`, &approx),
		chromedp.Evaluate(`String(window.__pwned)`, &pwned),
		chromedp.Evaluate(`document.querySelectorAll("#main img, #main script, #main a[href^='javascript']").length`, &injected),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	q := asked.all()
	if len(q) != 2 {
		t.Fatalf("the page asked /api/v1/search %d times, want 2: %v", len(q), q)
	}
	for k, want := range map[string]string{"q": "insert", "service": "forms", "level": "error", "since": "6h", "limit": "50", "cursor": ""} {
		if got := q[0].Get(k); got != want {
			t.Errorf("first search: %s=%q, want %q (%v)", k, got, want, q[0])
		}
	}
	if q[1].Get("cursor") != "page-2" || q[1].Get("q") != "insert" {
		t.Errorf("next page asked %v", q[1])
	}
	if len(first) != 2 || first[0] != "insert failed: deadlock" || first[1] != hostile[0] {
		t.Errorf("first page %q", first)
	}
	if len(all) != 3 || all[2] != hostile[1] || !nextHidden {
		t.Errorf("after next: %q, next hidden %v", all, nextHidden)
	}
	if want := []string{"exact", "exact", "approx:true"}; strings.Join(approx, " ") != strings.Join(want, " ") {
		t.Errorf("times shown %q, want %q (time_approx as ~ with a reason)", approx, want)
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
}

// TestBrowserSearchUnavailable: a correlator without /api/v1/search says
// so on the search page instead of failing.
//
// uses a fake /api/v1/search until the real route exists (here: its absence)
func TestBrowserSearchUnavailable(t *testing.T) {
	_, _, base := startServer(t, nil)
	front := frontOf(t, base, map[string]http.HandlerFunc{
		"GET /api/v1/search": func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "no API at /api/v1/search")
		},
	})
	ctx := browsertest.New(t, 60*time.Second)
	var msg, shownErr string
	err := chromedp.Run(ctx,
		chromedp.Navigate(front+"/search?q=x"),
		chromedp.WaitVisible(`body[data-ready="search"]`, chromedp.ByQuery),
		chromedp.Text("#search-unavailable", &msg, chromedp.ByID),
		chromedp.Evaluate(`document.querySelector("#error").hidden ? "" : document.querySelector("#error").textContent`, &shownErr),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(msg, "Search is unavailable") || shownErr != "" {
		t.Errorf("search page says %q, error %q", msg, shownErr)
	}
}

// TestBrowserFailures: the home page lists /api/v1/failures for the
// chosen window (15m by default), newest first as answered, with
// services, first error, counts and sampling; a row leads to its trace
// with the first error line highlighted; hostile messages stay text.
//
// uses a fake /api/v1/failures until the real route exists
func TestBrowserFailures(t *testing.T) {
	_, _, base := startServer(t, nil)
	traceID, _ := pushedTrace(t, base)
	var asked queries
	now := time.Now().UTC()
	front := frontOf(t, base, map[string]http.HandlerFunc{
		"GET /api/v1/failures": func(w http.ResponseWriter, r *http.Request) {
			asked.add(r.URL.Query())
			writeJSON(w, http.StatusOK, map[string]any{"jaeger": "ok", "failures": []any{
				map[string]any{"trace_id": traceID, "start": now.Add(-time.Minute).Format(time.RFC3339Nano), "duration_ms": 12.5,
					"services":    []string{"forms", hostile[2]},
					"first_error": map[string]any{"time": now.Add(-time.Minute).Format(time.RFC3339Nano), "service": "forms", "level": "error", "msg": "insert failed: deadlock"},
					"lines":       5, "error_lines": 2, "spans": 0, "error_spans": 0, "sampled": true, "reason": ""},
				map[string]any{"trace_id": "0af7651916cd43dd8448eb211c80319c", "start": now.Add(-2 * time.Minute).Format(time.RFC3339Nano), "duration_ms": 0,
					"services":    []string{"worker"},
					"first_error": map[string]any{"time": now.Add(-2 * time.Minute).Format(time.RFC3339Nano), "service": "worker", "level": "error", "msg": hostile[0], "file": "worker.log", "line": 7},
					"lines":       1, "error_lines": 1, "spans": 0, "error_spans": 0, "sampled": false, "reason": "not sampled: " + hostile[3]},
				map[string]any{"trace_id": "javascript:alert(1)", "services": []string{}, "first_error": map[string]any{"msg": hostile[1]}},
			}})
		},
	})
	ctx := browsertest.New(t, 60*time.Second)

	var since string
	var firsts, sampled, hrefs []string
	var pwned string
	var injected int
	err := chromedp.Run(ctx,
		chromedp.Navigate(front+"/"),
		chromedp.WaitVisible(`body[data-ready="failures"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#f-since").value`, &since),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table tbody tr td.first-error .msg")].map(e => e.textContent)`, &firsts),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table tbody tr td.sampled")].map(e => e.textContent)`, &sampled),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures-table a")].map(e => e.getAttribute("href"))`, &hrefs),
		chromedp.Evaluate(`String(window.__pwned)`, &pwned),
		chromedp.Evaluate(`document.querySelectorAll("#main img, #main script, #main a[href^='javascript']").length`, &injected),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if since != "15m" {
		t.Errorf("default window %q, want 15m", since)
	}
	if want := []string{"insert failed: deadlock", hostile[0], hostile[1]}; strings.Join(firsts, "\n") != strings.Join(want, "\n") {
		t.Errorf("first errors %q, want %q", firsts, want)
	}
	if len(sampled) != 3 || sampled[0] != "yes" || sampled[1] != "no: not sampled: "+hostile[3] {
		t.Errorf("sampled column %q", sampled)
	}
	if want := []string{"/trace/" + traceID + "?line=error", "/trace/0af7651916cd43dd8448eb211c80319c?line=" + url.QueryEscape("worker.log:7")}; strings.Join(hrefs, " ") != strings.Join(want, " ") {
		t.Errorf("links %q, want %q (a bad trace id is no link)", hrefs, want)
	}
	if pwned != "undefined" || injected != 0 {
		t.Errorf("a hostile failure ran in the page: __pwned=%s, %d injected elements", pwned, injected)
	}

	// Another window: the page asks again and keeps the choice in its URL.
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(`(() => { const s = document.querySelector("#f-since"); s.value = "1h"; s.dispatchEvent(new Event("change")); })()`, nil),
	); err != nil {
		t.Fatalf("window: %v", err)
	}
	waitPage(t, ctx, `location.search === "?since=1h" && document.body.getAttribute("data-ready") === "failures"`)
	q := asked.all()
	if len(q) != 2 || q[0].Get("since") != "15m" || q[1].Get("since") != "1h" {
		t.Errorf("the page asked for windows %v, want 15m then 1h", q)
	}

	// A row leads to its trace, the first error line highlighted.
	var hl, hlSpanless string
	if err := chromedp.Run(ctx,
		chromedp.Click(`#failures-table tbody tr:first-child a.trace-link`, chromedp.ByQuery),
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

// TestBrowserFailuresUnavailable: a correlator without /api/v1/failures
// still opens on a usable page: the paste box, and a note.
//
// uses a fake /api/v1/failures until the real route exists (here: its absence)
func TestBrowserFailuresUnavailable(t *testing.T) {
	_, _, base := startServer(t, nil)
	front := frontOf(t, base, map[string]http.HandlerFunc{
		"GET /api/v1/failures": func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "no API at /api/v1/failures")
		},
	})
	ctx := browsertest.New(t, 60*time.Second)
	var msg string
	var pasteBox bool
	err := chromedp.Run(ctx,
		chromedp.Navigate(front+"/"),
		chromedp.WaitVisible(`body[data-ready="failures"]`, chromedp.ByQuery),
		chromedp.Text("#failures-unavailable", &msg, chromedp.ByID),
		chromedp.Evaluate(`!!document.querySelector("#q") && document.querySelector("#q").getBoundingClientRect().height > 0`, &pasteBox),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(msg, "unavailable") || !pasteBox {
		t.Errorf("home page without failures: %q, paste box %v", msg, pasteBox)
	}
}
