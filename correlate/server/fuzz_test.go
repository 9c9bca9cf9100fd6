package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// The HTTP API reads whatever a client sends: a trace id in the path, a
// pasted line, pushed log lines. Fuzzed, it must never panic, never answer
// 5xx for bad input, and always answer JSON from /api/. Seeds and the
// inputs that found bugs live in testdata/fuzz/.

// fuzzHandler is the service's handler over a real store, without a
// listener: fuzzing goes through ServeHTTP.
func fuzzHandler(f *testing.F) http.Handler {
	f.Helper()
	cfg := DefaultConfig()
	cfg.Data = f.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.MaxBodyBytes = 1 << 20
	st, err := pebblestore.Open(cfg.Data, pebblestore.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	srv, err := New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	return srv.Handler()
}

// serveFuzz sends one request and checks the invariants of every answer.
func serveFuzz(t *testing.T, h http.Handler, method, target string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.Host = "127.0.0.1"
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code >= 500 {
		t.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body.Bytes())
	}
	if !json.Valid(w.Body.Bytes()) {
		t.Fatalf("%s %s: %d, not JSON: %q", method, target, w.Code, w.Body.Bytes())
	}
	return w
}

func FuzzTraceIDPath(f *testing.F) {
	h := fuzzHandler(f)
	for _, s := range []string{
		"4bf92f3577b34da6a3ce929d0e0e4736", "a3ce929d0e0e4736", "11803532876627986230",
		"4BF92F3577B34DA6A3CE929D0E0E4736", "00000000000000000000000000000000", "zz", "",
		"4bf92f3577b34da6a3ce929d0e0e47361", "-1", "18446744073709551616", "%00", "../../etc/passwd",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		p := url.PathEscape(id)
		if p == "" || p == "." || p == ".." {
			return // another route, or the mux's redirect
		}
		for _, target := range []string{"/api/v1/traces/" + p, "/api/v1/traces/" + p + "/logs"} {
			w := serveFuzz(t, h, http.MethodGet, target, nil)
			if w.Code != http.StatusBadRequest && w.Code != http.StatusNotFound && w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", target, w.Code)
			}
		}
	})
}

func FuzzFindBody(f *testing.F) {
	h := fuzzHandler(f)
	for _, s := range []string{
		`{"line":"4bf92f3577b34da6a3ce929d0e0e4736"}`,
		`{"line":"{\"level\":\"info\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"}"}`,
		`{"line":"time=2026-03-01T12:00:00Z level=INFO msg=x trace_id=4bf92f3577b34da6a3ce929d0e0e4736"}`,
		`{"line":"2026-03-01T12:00:00Z stdout F {\"dd.trace_id\":\"11803532876627986230\"}"}`,
		`{"line":""}`, `{}`, `[]`, `null`, `{"line":1}`, "{\"line\":\"\xff\xfe\"}", `{"line":"` + string(bytes.Repeat([]byte("["), 1000)) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		serveFuzz(t, h, http.MethodPost, "/api/v1/find", body)
	})
}

func FuzzIngestBody(f *testing.F) {
	h := fuzzHandler(f)
	for _, s := range []string{
		`{"level":"info","msg":"pushed","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}` + "\n",
		"plain text line\r\nsecond line\n",
		"2026-03-01T12:00:00Z stdout P {\"msg\":\n2026-03-01T12:00:00Z stdout F \"x\"}\n",
		"\x00\x01\x02\n\n\n", "{\"msg\":\"\xff\"}", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		serveFuzz(t, h, http.MethodPost, "/api/v1/ingest?source=fuzz", body)
	})
}
