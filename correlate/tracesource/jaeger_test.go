package tracesource

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeJaeger serves the routes in handlers (by path prefix) and answers a
// router's plain 404 elsewhere, like Jaeger's gorilla mux. It counts hits.
type fakeJaeger struct {
	*httptest.Server
	hits atomic.Int32
}

func newFake(t *testing.T, handlers map[string]http.HandlerFunc) *fakeJaeger {
	t.Helper()
	f := &fakeJaeger{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		for prefix, h := range handlers {
			if strings.HasPrefix(r.URL.Path, prefix) {
				h(w, r)
				return
			}
		}
		http.NotFound(w, r) // "404 page not found", text/plain
	}))
	t.Cleanup(f.Close)
	return f
}

func newSource(t *testing.T, url string, opts ...Option) *Jaeger {
	t.Helper()
	opts = append([]Option{WithTimeout(300*time.Millisecond, 2*time.Second), WithRetries(2, 10*time.Millisecond)}, opts...)
	j, err := NewJaeger(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

const v3NotFound = `{"error":{"httpCode":404,"message":"trace not found"}}` + "\n"

func TestJaegerAnswers(t *testing.T) {
	tests := []struct {
		name     string
		handlers map[string]http.HandlerFunc
		opts     []Option
		wantErr  []error  // errors.Is targets; nil: success
		wantMsg  []string // substrings of the error text
		wantHits int32
	}{
		{
			name:     "v3 found",
			handlers: map[string]http.HandlerFunc{"/api/v3/traces/": answer(200, v3Doc)},
			wantHits: 2, // the lookup, then the parameter probe (params_test.go)
		},
		{
			name:     "v3 route missing: classic fallback",
			handlers: map[string]http.HandlerFunc{"/api/traces/": answer(200, classicDoc)},
			wantHits: 2,
		},
		{
			name:     "v3 not found is final",
			handlers: map[string]http.HandlerFunc{"/api/v3/traces/": answer(404, v3NotFound), "/api/traces/": answer(200, classicDoc)},
			wantErr:  []error{ErrTraceNotFound},
			wantMsg:  []string{"has no trace " + tid},
			wantHits: 2, // the lookup, then the parameter probe (params_test.go)
		},
		{
			name:     "v3 empty result is not found",
			handlers: map[string]http.HandlerFunc{"/api/v3/traces/": answer(200, `{"result":{"resourceSpans":[]}}`)},
			wantErr:  []error{ErrTraceNotFound},
			wantHits: 2, // the lookup, then the parameter probe (params_test.go)
		},
		{
			name:     "classic not found",
			handlers: map[string]http.HandlerFunc{"/api/traces/": answer(404, `{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}`)},
			wantErr:  []error{ErrTraceNotFound},
			wantHits: 2,
		},
		{
			name:     "no query API at all",
			handlers: nil,
			wantErr:  []error{ErrBadResponse},
			wantMsg:  []string{"has no Jaeger query API", "16686"},
			wantHits: 2,
		},
		{
			name:     "500 is not retried",
			handlers: map[string]http.HandlerFunc{"/api/v3/traces/": answer(500, `{"error":{"httpCode":500,"message":"storage failure"}}`)},
			wantErr:  []error{ErrUnavailable},
			wantMsg:  []string{"answered HTTP 500 Internal Server Error: storage failure"},
			wantHits: 1,
		},
		{
			name:     "503 retried, then given up",
			handlers: map[string]http.HandlerFunc{"/api/v3/traces/": answer(503, "upstream down")},
			wantErr:  []error{ErrUnavailable},
			wantMsg:  []string{"answered HTTP 503 Service Unavailable", "upstream down", "(3 attempts)"},
			wantHits: 3,
		},
		{
			name:     "garbage",
			handlers: map[string]http.HandlerFunc{"/api/v3/traces/": answer(200, "<html><body>proxy login</body></html>")},
			wantErr:  []error{ErrBadResponse},
			wantMsg:  []string{"not Jaeger api/v3 JSON", `"<html><body>proxy login`},
			wantHits: 2, // the lookup, then the parameter probe (params_test.go)
		},
		{
			name:     "truncated JSON",
			handlers: map[string]http.HandlerFunc{"/api/v3/traces/": answer(200, v3Doc[:len(v3Doc)/2])},
			wantErr:  []error{ErrBadResponse},
			wantMsg:  []string{"unexpected end of JSON input"},
			wantHits: 2, // the lookup, then the parameter probe (params_test.go)
		},
		{
			name:     "classic garbage",
			handlers: map[string]http.HandlerFunc{"/api/traces/": answer(200, "]]")},
			opts:     []Option{WithAPI(APIClassic)},
			wantErr:  []error{ErrBadResponse},
			wantMsg:  []string{"not Jaeger JSON"},
			wantHits: 1,
		},
		{
			name:     "v3 only: missing route",
			handlers: map[string]http.HandlerFunc{"/api/traces/": answer(200, classicDoc)},
			opts:     []Option{WithAPI(APIv3)},
			wantErr:  []error{ErrBadResponse},
			wantMsg:  []string{"/api/v3/traces answers 404"},
			wantHits: 1,
		},
		{
			name:     "400 bad request",
			handlers: map[string]http.HandlerFunc{"/api/v3/traces/": answer(400, `{"error":{"httpCode":400,"message":"malformed parameter start_time"}}`)},
			wantErr:  []error{ErrBadResponse},
			wantMsg:  []string{"HTTP 400", "malformed parameter start_time"},
			wantHits: 2, // camelCase, then snake_case
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handlers)
			j := newSource(t, f.URL, tt.opts...)
			tr, err := j.Trace(t.Context(), tid, Window{})
			if got := f.hits.Load(); got != tt.wantHits {
				t.Errorf("requests = %d, want %d", got, tt.wantHits)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if tr.TraceID != tid || len(tr.Spans) != 2 {
					t.Fatalf("trace = %+v", tr)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; trace %+v", tr)
			}
			for _, target := range tt.wantErr {
				if !errors.Is(err, target) {
					t.Errorf("error %q is not %v", err, target)
				}
			}
			for _, msg := range tt.wantMsg {
				if !strings.Contains(err.Error(), msg) {
					t.Errorf("error %q does not say %q", err, msg)
				}
			}
			if !strings.HasPrefix(err.Error(), "jaeger at "+f.URL+": ") {
				t.Errorf("error %q does not say which Jaeger", err)
			}
		})
	}
}

func TestJaegerRetryRecovers(t *testing.T) {
	var n atomic.Int32
	f := newFake(t, map[string]http.HandlerFunc{"/api/v3/traces/": func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			answer(503, "warming up")(w, r)
			return
		}
		answer(200, v3Doc)(w, r)
	}})
	j := newSource(t, f.URL)
	if _, err := j.Trace(t.Context(), tid, Window{}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 4 { // three attempts, then the parameter probe
		t.Errorf("requests = %d, want 4", n.Load())
	}
}

func TestJaegerRemembersNoV3(t *testing.T) {
	f := newFake(t, map[string]http.HandlerFunc{"/api/traces/": answer(200, classicDoc)})
	j := newSource(t, f.URL)
	for range 3 {
		if _, err := j.Trace(t.Context(), tid, Window{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.hits.Load(); got != 4 { // one v3 probe, then classic only
		t.Errorf("requests = %d, want 4", got)
	}
}

func TestJaegerSlow(t *testing.T) {
	release := make(chan struct{})
	f := newFake(t, map[string]http.HandlerFunc{"/api/v3/traces/": func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}})
	defer close(release) // before f.Close (cleanup), so the handler returns
	tests := []struct {
		name          string
		opts          []Option
		wantMsg       string
		maxTook       time.Duration
		wantHits      int32
		wantNotBefore time.Duration
	}{
		{
			name:     "attempt timeout, retried",
			opts:     []Option{WithTimeout(100*time.Millisecond, 5*time.Second), WithRetries(1, 10*time.Millisecond)},
			wantMsg:  "timed out after 100ms waiting for an answer (2 attempts)",
			maxTook:  2 * time.Second,
			wantHits: 2,
		},
		{
			name:     "total timeout bounds the retries",
			opts:     []Option{WithTimeout(time.Second, 250*time.Millisecond), WithRetries(5, 10*time.Millisecond)},
			wantMsg:  "(whole lookup)",
			maxTook:  2 * time.Second,
			wantHits: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.hits.Store(0)
			j := newSource(t, f.URL, tt.opts...)
			start := time.Now()
			_, err := j.Trace(t.Context(), tid, Window{})
			took := time.Since(start)
			if !errors.Is(err, ErrTimeout) || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want a timeout saying %q", err, tt.wantMsg)
			}
			if took > tt.maxTook {
				t.Errorf("took %v, want at most %v", took, tt.maxTook)
			}
			if got := f.hits.Load(); got != tt.wantHits {
				t.Errorf("requests = %d, want %d", got, tt.wantHits)
			}
		})
	}
}

func TestJaegerUnreachable(t *testing.T) {
	f := httptest.NewServer(http.NotFoundHandler())
	url := f.URL
	f.Close() // nothing listens there now
	j := newSource(t, url)
	_, err := j.Trace(t.Context(), tid, Window{})
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	for _, msg := range []string{"jaeger at " + url, "unreachable (connection refused", "(3 attempts)"} {
		if !strings.Contains(err.Error(), msg) {
			t.Errorf("error %q does not say %q", err, msg)
		}
	}
}

func TestJaegerCanceled(t *testing.T) {
	f := newFake(t, map[string]http.HandlerFunc{"/api/v3/traces/": func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}})
	j := newSource(t, f.URL, WithTimeout(5*time.Second, 10*time.Second))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := j.Trace(ctx, tid, Window{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "lookup canceled") {
		t.Fatalf("err = %v, want canceled", err)
	}
}

func TestJaegerHint(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	f := newFake(t, map[string]http.HandlerFunc{"/api/v3/traces/": func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Query().Get("start_time") != "" {
			answer(404, v3NotFound)(w, r) // outside the window
			return
		}
		answer(200, v3Doc)(w, r)
	}})
	j := newSource(t, f.URL, WithHintMargin(time.Minute))
	hint := Window{Start: t0, End: t0.Add(time.Second)}
	if _, err := j.Trace(t.Context(), tid, hint); err != nil {
		t.Fatal(err)
	}
	// This fake ignores the camelCase parameters: the probe (second
	// request) finds that out and its snake_case answer is the lookup's.
	want := []string{
		"endTime=2026-11-24T12%3A01%3A01.123456789Z&rawTraces=true&startTime=2026-11-24T11%3A59%3A00.123456789Z",
		"end_time=2026-11-24T12%3A01%3A01.123456789Z&rawTraces=not-a-boolean&raw_traces=true&start_time=2026-11-24T11%3A59%3A00.123456789Z",
		"raw_traces=true",
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(queries, "\n") != strings.Join(want, "\n") {
		t.Errorf("queries:\n%s\nwant:\n%s", strings.Join(queries, "\n"), strings.Join(want, "\n"))
	}
}

func TestJaegerClassicQuery(t *testing.T) {
	var query atomic.Value
	f := newFake(t, map[string]http.HandlerFunc{"/base/api/traces/": func(w http.ResponseWriter, r *http.Request) {
		query.Store(r.URL.RawQuery)
		answer(200, classicDoc)(w, r)
	}})
	j := newSource(t, f.URL+"/base/", WithAPI(APIClassic), WithHintMargin(0))
	if _, err := j.Trace(t.Context(), tid, Window{Start: t0, End: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if want := "end=1795521601123456&raw=true&start=1795521600123456"; query.Load() != want {
		t.Errorf("query = %q, want %q", query, want)
	}
}

func TestNewJaegerRejects(t *testing.T) {
	for _, u := range []string{"", "localhost:16686", "ftp://x", "http://"} {
		if _, err := NewJaeger(u); err == nil {
			t.Errorf("NewJaeger(%q): no error", u)
		}
	}
	j, err := NewJaeger("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Trace(t.Context(), "not-a-trace", Window{}); !errors.Is(err, ErrInvalidTraceID) {
		t.Errorf("err = %v, want ErrInvalidTraceID", err)
	}
}
