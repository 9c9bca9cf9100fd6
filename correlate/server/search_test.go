package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/failures"
	"github.com/traceline/traceline/correlate/internal/clickhousetest"
	"github.com/traceline/traceline/correlate/search"
	"github.com/traceline/traceline/correlate/store/chstore"
	"github.com/traceline/traceline/correlate/store/storetest"
)

// fetch GETs url and returns the status and the body.
func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func window(from, to time.Time) string {
	return "from=" + url.QueryEscape(from.Format(time.RFC3339Nano)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339Nano))
}

// TestSearchAPI pages through GET /api/v1/search and checks an entry's
// JSON as the page consumes it.
func TestSearchAPI(t *testing.T) {
	_, st, base := startServer(t, nil)
	storetest.WriteSearchCorpus(t, st)
	win := window(storetest.T0, storetest.T0.Add(2*time.Hour))

	code, body := fetch(t, base+"/api/v1/search?"+win+"&service=worker&level=error&q=TIMEOUT")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var resp search.Response
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Entries) != 2 || resp.Entries[0].Msg != "submission failed: timeout" || resp.Entries[1].Msg != "Database Timeout" {
		t.Fatalf("entries %+v", resp.Entries)
	}
	e := resp.Entries[1]
	if e.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || e.SpanID != "1111111111111111" || e.File != "f2.log" || e.Line != 4 ||
		e.Fields["db"] != "forms" || e.TimeApprox || !e.Time.Equal(storetest.T0.Add(20*time.Millisecond)) {
		t.Errorf("entry %+v", e)
	}
	if resp.Limit != 100 || resp.Next != "" || !resp.Window.From.Equal(storetest.T0) || resp.Scanned == 0 {
		t.Errorf("answer %+v", resp)
	}
	// raw JSON keys the page reads
	for _, k := range []string{`"time_approx":false`, `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`, `"window":{"from":`, `"scanned":`} {
		if !strings.Contains(body, k) {
			t.Errorf("answer lacks %s: %s", k, body)
		}
	}

	// paging: 10 entries, 3 a page
	var all []string
	next := ""
	for pages := 0; pages < 10; pages++ {
		code, body := fetch(t, base+"/api/v1/search?"+win+"&limit=3&cursor="+next)
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		var r search.Response
		json.Unmarshal([]byte(body), &r)
		for _, e := range r.Entries {
			all = append(all, e.Msg)
		}
		if next = r.Next; next == "" {
			break
		}
	}
	if len(all) != 10 || all[0] != "background sweep" || all[9] != "request received" {
		t.Errorf("pages gave %d entries: %q", len(all), all)
	}
}

// TestSearchAPIBadParameters: every bad parameter is a 400 with a JSON
// error that names it, never a stack trace.
func TestSearchAPIBadParameters(t *testing.T) {
	_, _, base := startServer(t, nil)
	for _, tt := range []struct{ path, want string }{
		{"/api/v1/search?since=abc", "since"},
		{"/api/v1/search?since=-5m", "since"},
		{"/api/v1/search?since=5m&from=2026-03-01T00:00:00Z", "since"},
		{"/api/v1/search?from=yesterday", "from"},
		{"/api/v1/search?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "before it starts"},
		{"/api/v1/search?level=loud%2B", "level"},
		{"/api/v1/search?field=nokey", "field"},
		{"/api/v1/search?traced=maybe", "traced"},
		{"/api/v1/search?limit=0", "limit"},
		{"/api/v1/search?limit=ten", "limit"},
		{"/api/v1/search?cursor=garbage", "cursor"},
		{"/api/v1/search?servce=gateway", "servce"},
		{"/api/v1/failures?since=forever", "since"},
		{"/api/v1/failures?limit=-1", "limit"},
		{"/api/v1/failures?level=error", "level"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(base + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Error string }
			if resp.StatusCode != 400 || json.NewDecoder(resp.Body).Decode(&e) != nil || !strings.Contains(e.Error, tt.want) {
				t.Fatalf("%d %q, want 400 naming %q", resp.StatusCode, e.Error, tt.want)
			}
			if strings.Contains(e.Error, "goroutine") || strings.Contains(e.Error, ".go:") {
				t.Errorf("stack trace in the answer: %s", e.Error)
			}
		})
	}
}

func TestFailuresAPI(t *testing.T) {
	_, st, base := startServer(t, nil)
	storetest.WriteSearchCorpus(t, st)
	code, body := fetch(t, base+"/api/v1/failures?"+window(storetest.T0, storetest.T0.Add(2*time.Hour)))
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var res failures.Result
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	// the later trace first; the ledger's fatal line belongs to the first trace by its low half
	if len(res.Failures) != 2 || res.Failures[0].TraceID != "0af7651916cd43dd8448eb211c80319c" || res.Jaeger != "none" {
		t.Fatalf("answer %s", body)
	}
	f := res.Failures[1]
	if f.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || f.FirstError.Msg != "Database Timeout" || f.ErrorLines != 2 || f.Lines != 5 {
		t.Errorf("failure %+v", f)
	}
	for _, k := range []string{`"duration_ms":`, `"first_error":{"time":`, `"sampled":true`, `"error_spans":0`, `"window":{"from":`} {
		if !strings.Contains(body, k) {
			t.Errorf("answer lacks %s: %s", k, body)
		}
	}
	// an empty window: an empty list, not null
	code, body = fetch(t, base+"/api/v1/failures?since=1m")
	if code != 200 || !strings.Contains(body, `"failures":[]`) {
		t.Errorf("empty window: %d %s", code, body)
	}
}

// TestSearchAndFailuresOnClickHouse: the two endpoints on a service whose
// index is a two-shard ClickHouse.
func TestSearchAndFailuresOnClickHouse(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.ClickHouse, cfg.ClickHouseCluster = c.URLs(), c.Name
	st, err := chstore.Open(context.Background(), chstore.Config{Shards: c.URLs(), Cluster: c.Name, Database: "serversearch", Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + runServer(t, cfg, st, nil).Addr()
	storetest.WriteSearchCorpus(t, st)
	win := window(storetest.T0, storetest.T0.Add(2*time.Hour))
	code, body := fetch(t, base+"/api/v1/search?"+win+"&level=error%2B&q=timeout")
	var resp search.Response
	if code != 200 || json.Unmarshal([]byte(body), &resp) != nil || len(resp.Entries) != 2 || resp.Entries[1].Msg != "Database Timeout" {
		t.Fatalf("search: %d %s", code, body)
	}
	code, body = fetch(t, base+"/api/v1/failures?"+win)
	var res failures.Result
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || len(res.Failures) != 2 || res.Failures[1].Lines != 5 {
		t.Fatalf("failures: %d %s", code, body)
	}
}
