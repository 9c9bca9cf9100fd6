package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/internal/browsertest"
	"github.com/traceline/traceline/correlate/internal/jaegertest"
)

// hostile are log messages an attacker controls (a patient's free text, a
// header echoed into a log): on the page they must stay text.
var hostile = []string{
	`<script>window.__pwned = "script"</script>`,
	`"><img src=x onerror="window.__pwned='img'">`,
	`javascript:window.__pwned='link'`,
	`<a href="javascript:window.__pwned='anchor'">click</a>`,
}

type scenario struct {
	traceID, rootSpan, childSpan string
	logFile                      string
	lines                        int
}

// traceScenario sends a two-span trace of "questionnaire" to a real Jaeger
// and writes its log lines, hostile ones included, to a file.
func traceScenario(t *testing.T, j *jaegertest.Jaeger, dir string) scenario {
	t.Helper()
	tp := j.TracerProvider(t, "questionnaire")
	tr := tp.Tracer("test")
	ctx, root := tr.Start(context.Background(), "POST /forms")
	time.Sleep(5 * time.Millisecond)
	_, child := tr.Start(ctx, "validate answers")
	time.Sleep(5 * time.Millisecond)
	child.SetStatus(codes.Error, "answer 7 out of range")
	child.End()
	time.Sleep(2 * time.Millisecond)
	root.End()
	jaegertest.Flush(t, tp)
	tid := root.SpanContext().TraceID().String()
	j.WaitForTrace(t, tid, 2)

	sc := scenario{traceID: tid, rootSpan: root.SpanContext().SpanID().String(), childSpan: child.SpanContext().SpanID().String()}
	var b strings.Builder
	line := func(span trace.Span, level, msg string) {
		rec := map[string]any{
			"time": time.Now().UTC().Format(time.RFC3339Nano), "level": level, "msg": msg, "service.name": "questionnaire",
			"trace_id": tid, "span_id": span.SpanContext().SpanID().String(), "trace_flags": "01",
		}
		out, _ := json.Marshal(rec)
		b.Write(out)
		b.WriteByte('\n')
		sc.lines++
	}
	line(root, "info", "form received")
	line(child, "error", "answer 7 out of range")
	for _, h := range hostile {
		line(child, "warn", h)
	}
	line(root, "info", "form rejected")
	sc.logFile = filepath.Join(dir, "questionnaire.log")
	if err := os.WriteFile(sc.logFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return sc
}

// waitIndexed polls the API until the trace's lines are all indexed.
func waitIndexed(t *testing.T, base, traceID string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/api/v1/traces/" + traceID + "/logs")
		if err == nil {
			var body struct {
				Logs []json.RawMessage `json:"logs"`
			}
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if len(body.Logs) == want {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the follower did not index %d lines of %s in time", want, traceID)
}

func TestTraceAPIAgainstRealJaeger(t *testing.T) {
	j := jaegertest.Start(t)
	sc := traceScenario(t, j, t.TempDir())
	_, _, base := startServer(t, func(c *Config) { c.Logs = []string{sc.logFile}; c.Jaeger = j.QueryURL })
	waitIndexed(t, base, sc.traceID, sc.lines)

	resp, err := http.Get(base + "/api/v1/traces/" + strings.ToUpper(sc.traceID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		TraceID string `json:"trace_id"`
		Spans   []struct {
			SpanID  string `json:"span_id"`
			Name    string `json:"name"`
			Service string `json:"service"`
			Error   bool   `json:"error"`
			Logs    []struct {
				Msg   string `json:"msg"`
				Match string `json:"match"`
			} `json:"logs"`
		} `json:"spans"`
		Orphans  []json.RawMessage `json:"orphans"`
		JaegerUI string            `json:"jaeger_ui"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, decode %v", resp.StatusCode, err)
	}
	if got.TraceID != sc.traceID || len(got.Spans) != 2 || len(got.Orphans) != 0 {
		t.Fatalf("trace %s: %d spans, %d orphans", got.TraceID, len(got.Spans), len(got.Orphans))
	}
	bySpan := map[string][]string{}
	for _, s := range got.Spans {
		for _, l := range s.Logs {
			if l.Match != "exact" {
				t.Errorf("line %q joined %s, want exact", l.Msg, l.Match)
			}
			bySpan[s.SpanID] = append(bySpan[s.SpanID], l.Msg)
		}
	}
	if len(bySpan[sc.rootSpan]) != 2 || len(bySpan[sc.childSpan]) != 1+len(hostile) {
		t.Errorf("lines under the wrong spans: %v", bySpan)
	}
	if got.Spans[0].SpanID != sc.rootSpan || !got.Spans[1].Error {
		t.Errorf("span order or error flag wrong: %+v", got.Spans)
	}

	// Jaeger stopped: the logs still come back, with the reason.
	j.Stop()
	resp2, err := http.Get(base + "/api/v1/traces/" + sc.traceID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if resp2.StatusCode != 200 || !strings.Contains(string(body), "trace source failed") || !strings.Contains(string(body), "form received") {
		t.Errorf("with Jaeger down: %d %s", resp2.StatusCode, body)
	}
}

func TestFindAndNotFound(t *testing.T) {
	_, _, base := startServer(t, nil)
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(base+"/api/v1/find", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	line, _ := json.Marshal(map[string]string{"line": `2026-11-24T12:00:00Z INF form stored traceparent=00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01`})
	code, m := post(string(line))
	if code != 200 || m["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || m["span_id"] != "00f067aa0ba902b7" ||
		!strings.HasSuffix(fmt.Sprint(m["correlator_url"]), "/trace/4bf92f3577b34da6a3ce929d0e0e4736") {
		t.Errorf("find: %d %v", code, m)
	}
	code, m = post(`{"line":"{\"level\":\"info\",\"msg\":\"no context here\"}"}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(m["error"]), "no trace id") {
		t.Errorf("line without ids: %d %v", code, m)
	}
	code, _ = post(`not json`)
	if code != http.StatusBadRequest {
		t.Errorf("garbage body: %d", code)
	}
	resp, err := http.Get(base + "/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), "index is empty") {
		t.Errorf("lookup in an empty index: %d %s", resp.StatusCode, b)
	}
	resp, _ = http.Get(base + "/api/v1/traces/not-an-id")
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("bad id: %d", resp.StatusCode)
	}
}

// TestBrowser drives Debian's Chromium: paste a log line, land on the
// trace, see the lines under the right spans, and check that hostile lines
// did not run.
func TestBrowser(t *testing.T) {
	j := jaegertest.Start(t)
	sc := traceScenario(t, j, t.TempDir())
	_, _, base := startServer(t, func(c *Config) { c.Logs = []string{sc.logFile}; c.Jaeger = j.QueryURL })
	waitIndexed(t, base, sc.traceID, sc.lines)
	ctx := browsertest.New(t, 60*time.Second)

	pasted := fmt.Sprintf(`{"level":"error","msg":"answer 7 out of range","trace_id":"%s","span_id":"%s"}`, sc.traceID, sc.childSpan)
	var rootLines, childLines []string
	var pwned, location, rendered string
	var imgs int
	var shot []byte
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible("#q", chromedp.ByID),
		chromedp.SendKeys("#q", pasted, chromedp.ByID),
		chromedp.SendKeys("#q", kb.Enter, chromedp.ByID),
		chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#span-`+sc.rootSpan+` li.log .msg")].map(e => e.textContent)`, &rootLines),
		chromedp.Evaluate(`[...document.querySelectorAll("#span-`+sc.childSpan+` li.log .msg")].map(e => e.textContent)`, &childLines),
		chromedp.Evaluate(`String(window.__pwned)`, &pwned),
		chromedp.Evaluate(`document.querySelectorAll("#main img, #main script, #main a[href^='javascript']").length`, &imgs),
		chromedp.Evaluate(`location.pathname + location.hash`, &location),
		chromedp.Evaluate(`document.body.getAttribute("data-rendered-ms")`, &rendered),
		chromedp.FullScreenshot(&shot, 100),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if location != "/trace/"+sc.traceID+"#span-"+sc.childSpan {
		t.Errorf("pasting the line landed on %q", location)
	}
	if len(rootLines) != 2 || rootLines[0] != "form received" {
		t.Errorf("root span lines: %q", rootLines)
	}
	if len(childLines) != 1+len(hostile) {
		t.Errorf("child span lines: %q", childLines)
	}
	for _, h := range hostile {
		found := false
		for _, l := range childLines {
			found = found || l == h
		}
		if !found {
			t.Errorf("hostile line not shown as text: %q", h)
		}
	}
	if pwned != "undefined" {
		t.Errorf("a hostile log line ran in the page: window.__pwned = %s", pwned)
	}
	if imgs != 0 {
		t.Errorf("log text became %d elements", imgs)
	}
	png := filepath.Join(t.TempDir(), "trace.png")
	if err := os.WriteFile(png, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if dst := os.Getenv("SCREENSHOT_OUT"); dst != "" {
		os.WriteFile(dst, shot, 0o644)
	}
	t.Logf("first render %s ms; screenshot %s", rendered, png)

	// Follow the permalink and open the coverage page.
	var title string
	if err := chromedp.Run(ctx,
		chromedp.Click(`a.permalink`, chromedp.ByQuery),
		chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
		chromedp.Navigate(base+"/coverage"),
		chromedp.WaitVisible(`body[data-ready="coverage"]`, chromedp.ByQuery),
		chromedp.Title(&title),
	); err != nil {
		t.Fatalf("links: %v", err)
	}
}
