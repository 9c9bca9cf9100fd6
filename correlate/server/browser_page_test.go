package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/internal/browsertest"
	"github.com/traceline/traceline/correlate/internal/jaegertest"
)

// callScenario is a trace of calls from a gateway to a forms service, sent
// to a real Jaeger, with its log lines in a file:
//
//	gateway "POST /forms" (server)
//	  gateway "call forms i" (client) → forms "store form i" (server), lines under the server span
//	  … the last call fails: client and server spans in error, the server span's lines say why
//	  gateway "call audit" (client, in error) → audit "write audit" (server, in error, no line)
type callScenario struct {
	traceID, root         string
	failedCall, failedSrv string // the last forms call: the client span, its server span
	silentCall, silentSrv string // the audit call: nobody wrote a line
	logFile               string
	lines                 []string // the file's lines, as written
	errorLine             int      // 1-based line of the failed call's error line
	hostile               string   // in an attribute, an event and a status message
}

func newCallScenario(t *testing.T, j *jaegertest.Jaeger, dir string, calls int) callScenario {
	t.Helper()
	gw := j.TracerProvider(t, "gateway")
	forms := j.TracerProvider(t, "forms")
	audit := j.TracerProvider(t, "audit")
	bad := hostile[1]
	base := time.Now().Add(-2 * time.Second).UTC()
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	sc := callScenario{hostile: bad}
	var b strings.Builder
	line := func(span trace.Span, svc, level, msg string, when time.Time) {
		rec := map[string]any{
			"time": when.Format(time.RFC3339Nano), "level": level, "msg": msg, "service.name": svc,
			"trace_id": span.SpanContext().TraceID().String(), "span_id": span.SpanContext().SpanID().String(), "trace_flags": "01",
		}
		out, _ := json.Marshal(rec)
		sc.lines = append(sc.lines, string(out))
		b.Write(out)
		b.WriteByte('\n')
	}
	ctx, root := gw.Tracer("gw").Start(context.Background(), "POST /forms", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithTimestamp(at(0)), trace.WithAttributes(attribute.String("http.route", "/forms")))
	line(root, "gateway", "info", "form received", at(0).Add(100*time.Microsecond))
	for i := range calls {
		start := 1 + i*10
		cctx, call := gw.Tracer("gw").Start(ctx, fmt.Sprintf("call forms %d", i), trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(at(start)))
		remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContextFromContext(cctx))
		_, srv := forms.Tracer("forms").Start(remote, fmt.Sprintf("store form %d", i), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithTimestamp(at(start+1)), trace.WithAttributes(attribute.Int("form.index", i)))
		line(srv, "forms", "info", fmt.Sprintf("validating form %d", i), at(start+2))
		line(srv, "forms", "debug", fmt.Sprintf("form %d has 12 answers", i), at(start+3))
		if i == calls-1 {
			srv.AddEvent("exception", trace.WithTimestamp(at(start+4)), trace.WithAttributes(
				attribute.String("exception.type", "db.Deadlock"), attribute.String("exception.message", bad)))
			line(srv, "forms", "error", "insert failed: deadlock", at(start+4))
			sc.errorLine = len(sc.lines)
			srv.SetStatus(codes.Error, bad)
			srv.SetAttributes(attribute.String("db.statement", bad))
			call.AddEvent("retry", trace.WithTimestamp(at(start+6)), trace.WithAttributes(attribute.Int("attempt", 2)))
			call.SetStatus(codes.Error, "forms answered 500")
			sc.failedCall, sc.failedSrv = call.SpanContext().SpanID().String(), srv.SpanContext().SpanID().String()
		} else {
			line(srv, "forms", "info", fmt.Sprintf("form %d stored", i), at(start+5))
		}
		srv.End(trace.WithTimestamp(at(start + 7)))
		call.End(trace.WithTimestamp(at(start + 8)))
	}
	end := 1 + calls*10
	actx, acall := gw.Tracer("gw").Start(ctx, "call audit", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(at(end)))
	_, asrv := audit.Tracer("audit").Start(trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContextFromContext(actx)),
		"write audit", trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(at(end+1)))
	asrv.SetStatus(codes.Error, "audit log full")
	asrv.End(trace.WithTimestamp(at(end + 2)))
	acall.SetStatus(codes.Error, "audit answered 507")
	acall.End(trace.WithTimestamp(at(end + 3)))
	sc.silentCall, sc.silentSrv = acall.SpanContext().SpanID().String(), asrv.SpanContext().SpanID().String()
	line(root, "gateway", "warn", "form stored without audit", at(end+4))
	root.End(trace.WithTimestamp(at(end + 5)))
	jaegertest.Flush(t, gw)
	jaegertest.Flush(t, forms)
	jaegertest.Flush(t, audit)
	sc.traceID = root.SpanContext().TraceID().String()
	sc.root = root.SpanContext().SpanID().String()
	j.WaitForTrace(t, sc.traceID, 2*calls+3)
	sc.logFile = filepath.Join(dir, "calls.log")
	if err := os.WriteFile(sc.logFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestBrowserTracePage drives the trace page in Chromium against a real
// Jaeger: a pasted line lands highlighted and scrolled into view with its
// span, a click shows a span's status, attributes, events and resource
// (hostile values as text), the time axis is drawn, and a failed client
// span whose server span holds the lines is not flagged "no log lines".
func TestBrowserTracePage(t *testing.T) {
	j := jaegertest.Start(t)
	sc := newCallScenario(t, j, t.TempDir(), 60)
	_, _, base := startServer(t, func(c *Config) { c.Logs = []string{sc.logFile}; c.Jaeger = j.QueryURL })
	waitIndexed(t, base, sc.traceID, len(sc.lines))
	ctx := browsertest.New(t, 90*time.Second)

	t.Run("pasted line highlighted and in view", func(t *testing.T) {
		pasted := sc.lines[sc.errorLine-1]
		var search, hash, hlText, hlSpan string
		var hlSpans int
		var inView, scrolled bool
		err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible("#q", chromedp.ByID),
			chromedp.SendKeys("#q", pasted, chromedp.ByID),
			chromedp.SendKeys("#q", kb.Enter, chromedp.ByID),
			chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
			chromedp.Evaluate(`location.search`, &search),
			chromedp.Evaluate(`location.hash`, &hash),
			chromedp.Evaluate(`document.querySelector("li.log.hl .msg").textContent`, &hlText),
			chromedp.Evaluate(`document.querySelector("li.log.hl").closest(".span").id`, &hlSpan),
			chromedp.Evaluate(`document.querySelectorAll(".span.hl-span").length`, &hlSpans),
			chromedp.Evaluate(`(() => { const r = document.querySelector("li.log.hl").getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`, &inView),
			chromedp.Evaluate(`scrollY > 0`, &scrolled),
		)
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		if want := "?line=" + url.QueryEscape(fmt.Sprintf("%s:%d", sc.logFile, sc.errorLine)); search != want {
			t.Errorf("the URL carries %q, want %q", search, want)
		}
		if hash != "#span-"+sc.failedSrv {
			t.Errorf("fragment %q, want the pasted line's span", hash)
		}
		if hlText != "insert failed: deadlock" || hlSpan != "span-"+sc.failedSrv || hlSpans != 1 {
			t.Errorf("highlighted %q under %s (%d spans highlighted), want the pasted line under span-%s", hlText, hlSpan, hlSpans, sc.failedSrv)
		}
		if !inView || !scrolled {
			t.Errorf("the highlighted line is not scrolled into view (in view %v, scrolled %v)", inView, scrolled)
		}
	})

	t.Run("time axis", func(t *testing.T) {
		var ticks []string
		var lefts []float64
		if err := chromedp.Run(ctx,
			chromedp.Evaluate(`[...document.querySelectorAll("#time-axis .tick")].map(e => e.textContent)`, &ticks),
			// Positions come through the CSSOM, which the CSP allows: each tick right of the last.
			chromedp.Evaluate(`[...document.querySelectorAll("#time-axis .tick")].map(e => e.getBoundingClientRect().left)`, &lefts),
		); err != nil {
			t.Fatal(err)
		}
		if len(ticks) < 3 || ticks[0] != "0.00 ms" {
			t.Errorf("time axis ticks %q: want at least 3 from 0.00 ms", ticks)
		}
		for i := 1; i < len(lefts); i++ {
			if lefts[i] <= lefts[i-1] {
				t.Errorf("tick %d at %.0fpx, not right of tick %d at %.0fpx: %v", i, lefts[i], i-1, lefts[i-1], lefts)
			}
		}
	})

	t.Run("span details on click", func(t *testing.T) {
		sel := "#span-" + sc.failedSrv
		var status, statusMsg, events, pwned string
		var attrs, resource map[string]string
		var injected int
		err := chromedp.Run(ctx,
			chromedp.Click(sel+" .span-row .span-name", chromedp.ByQuery),
			chromedp.WaitVisible(sel+" .details", chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector("`+sel+` .details .status strong").textContent`, &status),
			chromedp.Evaluate(`document.querySelector("`+sel+` .details .status-msg").textContent`, &statusMsg),
			chromedp.Evaluate(kvOf(sel+" .details .attributes"), &attrs),
			chromedp.Evaluate(kvOf(sel+" .details .resource"), &resource),
			chromedp.Evaluate(`[...document.querySelectorAll("`+sel+` .details .event")].map(e => e.querySelector(".event-name").textContent + ":" + [...e.querySelectorAll("td")].map(d => d.textContent).join("|")).join(";")`, &events),
			chromedp.Evaluate(`String(window.__pwned)`, &pwned),
			chromedp.Evaluate(`document.querySelectorAll("#main img, #main script").length`, &injected),
		)
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		if status != "Status: error" || statusMsg != " — "+sc.hostile {
			t.Errorf("status %q %q", status, statusMsg)
		}
		if attrs["db.statement"] != sc.hostile || attrs["form.index"] != "59" {
			t.Errorf("attributes %q", attrs)
		}
		if resource["service.name"] != "forms" {
			t.Errorf("resource %q", resource)
		}
		if want := "exception:db.Deadlock|" + sc.hostile; events != want && events != "exception:"+sc.hostile+"|db.Deadlock" {
			t.Errorf("events %q, want %q", events, want)
		}
		if pwned != "undefined" || injected != 0 {
			t.Errorf("hostile span details ran in the page: __pwned=%s, %d injected elements", pwned, injected)
		}
		// A second click hides the details.
		var hidden bool
		if err := chromedp.Run(ctx,
			chromedp.Click(sel+" .span-row .span-name", chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector("`+sel+` .details").classList.contains("hidden")`, &hidden),
		); err != nil || !hidden {
			t.Errorf("second click: hidden %v, %v", hidden, err)
		}
	})

	t.Run("failed client span with its lines one level down", func(t *testing.T) {
		flags := map[string]int{}
		for _, id := range []string{sc.failedCall, sc.failedSrv, sc.silentCall, sc.silentSrv} {
			var n int
			if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("#span-`+id+` > .span-row .flag").length`, &n)); err != nil {
				t.Fatal(err)
			}
			flags[id] = n
		}
		if flags[sc.failedCall] != 0 {
			t.Error(`the failed client span whose server span holds the lines is flagged "no log lines"`)
		}
		if flags[sc.silentCall] != 1 || flags[sc.silentSrv] != 1 {
			t.Errorf("the audit call, silent on both sides, has flags client %d, server %d; want 1 each", flags[sc.silentCall], flags[sc.silentSrv])
		}
	})
}

// kvOf is a script reading a details table as an object.
func kvOf(sel string) string {
	return `Object.fromEntries([...document.querySelectorAll("` + sel + ` tr")].map(r => [r.querySelector("th").textContent, r.querySelector("td").textContent]))`
}
