package torture

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/internal/jaegertest"
	"github.com/traceline/traceline/correlate/server"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// Proxy modes: what the fault proxy in front of Jaeger does to a request.
const (
	modePass    int32 = iota // forward it
	modeDelay                // forward it after a second
	modeCut                  // close the connection without an answer
	modeGarbage              // answer 200 with bytes that are not JSON
	modeHalf                 // answer 200 with half of Jaeger's JSON
	modeStall                // hold the connection until the client gives up
)

// faultProxy is a reverse proxy to Jaeger's query service that misbehaves
// as its mode says.
func faultProxy(t *testing.T, target string, mode *atomic.Int32) *httptest.Server {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case modeDelay:
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
				return
			}
		case modeCut:
			hj, ok := w.(http.Hijacker)
			if !ok {
				panic("no hijacker")
			}
			c, _, err := hj.Hijack()
			if err == nil {
				c.Close()
			}
			return
		case modeGarbage:
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("\x00\xff{{{ not json \x1b[31m <script>alert(1)</script>"))
			return
		case modeHalf:
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			b := rec.Body.Bytes()
			w.Header().Set("Content-Type", "application/json")
			w.Write(b[:len(b)/2])
			return
		case modeStall:
			<-r.Context().Done()
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// joined is what the fault test reads of GET /api/v1/traces/{id}.
type joined struct {
	Spans       []json.RawMessage `json:"spans"`
	Orphans     []json.RawMessage `json:"orphans"`
	SourceError string            `json:"source_error"`
	Notes       []string          `json:"notes"`
}

// logCount counts the log lines of a joined trace: under spans, and the
// orphans (lines whose span is not in the trace).
func (j joined) logCount() int {
	n := len(j.Orphans)
	for _, raw := range j.Spans {
		var s struct {
			Logs []json.RawMessage `json:"logs"`
		}
		json.Unmarshal(raw, &s)
		n += len(s.Logs)
	}
	return n
}

// TestJaegerFaults looks a trace up through the service while the Jaeger
// behind it misbehaves: a proxy delays, cuts connections and answers
// garbage, and the real Jaeger is stopped and restarted. Every lookup must
// answer 200 with the trace's log lines; when Jaeger fails the answer says
// why (source_error and a note), and once Jaeger is back the spans are too.
func TestJaegerFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Jaeger")
	}
	j := jaegertest.Start(t)
	tp := j.TracerProvider(t, "checkout")
	_, span := tp.Tracer("torture").Start(context.Background(), "POST /orders")
	span.End()
	jaegertest.Flush(t, tp)
	sc := trace.SpanContextFromContext(trace.ContextWithSpan(context.Background(), span))
	id := sc.TraceID().String()
	j.WaitForTrace(t, id, 1)

	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	os.MkdirAll(logs, 0o755)
	var b strings.Builder
	for i := range 3 {
		fmt.Fprintf(&b, `{"level":"info","ts":%q,"msg":"step %d","trace_id":%q,"span_id":%q}`+"\n",
			time.Now().UTC().Format(time.RFC3339Nano), i, id, sc.SpanID().String())
	}
	if err := os.WriteFile(filepath.Join(logs, "app.log"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := pebblestore.Open(filepath.Join(dir, "data"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := ingest.Index(context.Background(), st, indexConfig(logs)); err != nil {
		t.Fatal(err)
	}

	var mode atomic.Int32
	proxy := faultProxy(t, j.QueryURL, &mode)
	cfg := server.DefaultConfig()
	cfg.Data, cfg.Listen, cfg.Jaeger, cfg.ExportDelay = filepath.Join(dir, "data"), "127.0.0.1:0", proxy.URL, time.Millisecond
	srv, err := server.New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := &http.Client{Timeout: time.Minute}
	get := func() (joined, time.Duration) {
		t.Helper()
		start := time.Now()
		resp, err := client.Get("http://" + srv.Addr() + "/api/v1/traces/" + id)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var out joined
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return out, time.Since(start)
	}
	// healthy: wait (bounded) until the spans are there
	waitHealthy := func(what string) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			got, d := get()
			if got.SourceError == "" && len(got.Spans) >= 1 && got.logCount() == 3 {
				t.Logf("%s: spans and lines back (%v)", what, d.Round(time.Millisecond))
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not recovered in a minute: %+v", what, got)
			}
			time.Sleep(100 * time.Millisecond) // polling, bounded by the deadline
		}
	}
	degraded := func(what string) {
		t.Helper()
		got, d := get()
		if got.SourceError == "" || got.logCount() != 3 || len(got.Spans) != 0 {
			t.Errorf("%s: want logs only with the reason, got %d spans, %d lines, source_error %q, notes %q", what, len(got.Spans), got.logCount(), got.SourceError, got.Notes)
			return
		}
		noted := false
		for _, n := range got.Notes {
			noted = noted || strings.Contains(n, "trace source failed")
		}
		if !noted {
			t.Errorf("%s: no note says the trace source failed: %q", what, got.Notes)
		}
		t.Logf("%s: logs only after %v: %s", what, d.Round(time.Millisecond), got.SourceError)
	}

	waitHealthy("pass")
	mode.Store(modeDelay)
	if got, d := get(); len(got.Spans) != 1 || got.SourceError != "" {
		t.Errorf("a 1 s delay: %+v", got)
	} else {
		t.Logf("delay: spans after %v", d.Round(time.Millisecond))
	}
	for _, m := range []struct {
		name string
		mode int32
	}{{"cut connections", modeCut}, {"garbage", modeGarbage}, {"half an answer", modeHalf}} {
		mode.Store(m.mode)
		degraded(m.name)
		mode.Store(modePass)
		waitHealthy("after " + m.name)
	}
	if os.Getenv("TORTURE") == "long" {
		mode.Store(modeStall)
		degraded("stalled connection")
		mode.Store(modePass)
		waitHealthy("after the stall")
	}
	j.Stop()
	degraded("Jaeger stopped")
	j.Restart()
	// Jaeger's memory storage lost the span: send it again
	tp2 := j.TracerProvider(t, "checkout")
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: sc.TraceID(), TraceFlags: trace.FlagsSampled}))
	_, again := tp2.Tracer("torture").Start(ctx, "POST /orders (again)")
	again.End()
	jaegertest.Flush(t, tp2)
	waitHealthy("Jaeger restarted")
}
