package tracesource

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeRelease serves GET /api/v3/traces/{id} as a Jaeger release that
// reads the raw-trace parameter under the names in raw and ignores any
// other parameter, or, strict, refuses it with 400. A value that is not a
// boolean is refused with 400, as Jaeger does. The trace comes back only
// when raw traces were asked for; an adjusted answer is empty here, so a
// lookup whose rawTraces was ignored finds nothing. It records each query.
func fakeRelease(t *testing.T, strict bool, raw ...string) (*fakeJaeger, func() []string) {
	h, queries := releaseHandler(strict, raw...)
	return newFake(t, map[string]http.HandlerFunc{"/api/v3/traces/": h}), queries
}

// releaseHandler is fakeRelease's handler and its record of queries.
func releaseHandler(strict bool, raw ...string) (http.HandlerFunc, func() []string) {
	var mu sync.Mutex
	var queries []string
	known := map[string]bool{}
	for _, name := range raw {
		known[name] = true
	}
	h := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		asked := false
		for name, vs := range r.URL.Query() {
			if !known[name] {
				if strict {
					answer(400, `{"error":{"httpCode":400,"message":"unknown parameter"}}`)(w, r)
					return
				}
				continue
			}
			v, err := strconv.ParseBool(vs[0])
			if err != nil {
				answer(400, `{"error":{"httpCode":400,"message":"malformed parameter"}}`)(w, r)
				return
			}
			asked = asked || v
		}
		if !asked {
			answer(200, `{"result":{"resourceSpans":[]}}`)(w, r)
			return
		}
		answer(200, v3Doc)(w, r)
	}
	return h, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), queries...) }
}

// TestJaegerParameterStyle: current Jaeger gets the camelCase parameters;
// a release that ignores or refuses them gets the snake_case ones, from the
// first lookup on, and every later lookup is one request in the form
// learnt.
func TestJaegerParameterStyle(t *testing.T) {
	const (
		camel = "rawTraces=true"
		snake = "raw_traces=true"
		probe = "rawTraces=not-a-boolean&raw_traces=true"
	)
	tests := []struct {
		name   string
		strict bool
		raw    []string
		first  []string // the queries of the first lookup
		style  paramStyle
	}{
		{"current: both forms", false, []string{"rawTraces", "raw_traces"}, []string{camel, probe}, paramsCamel},
		{"current: camelCase only", false, []string{"rawTraces"}, []string{camel, probe}, paramsCamel},
		{"earlier: ignores camelCase", false, []string{"raw_traces"}, []string{camel, probe}, paramsSnake},
		{"earlier: refuses camelCase", true, []string{"raw_traces"}, []string{camel, snake}, paramsSnake},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, queries := fakeRelease(t, tt.strict, tt.raw...)
			j := newSource(t, f.URL, WithAPI(APIv3))
			for i := range 3 {
				tr, err := j.Trace(t.Context(), tid, Window{})
				if err != nil || len(tr.Spans) != 2 {
					t.Fatalf("lookup %d: %d spans, %v; want the raw trace", i, len(tr.Spans), err)
				}
			}
			want := tt.first
			next := camel
			if tt.style == paramsSnake {
				next = snake
			}
			want = append(append([]string(nil), want...), next, next)
			if got := queries(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("queries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if got := paramStyle(j.v3Params.Load()); got != tt.style {
				t.Errorf("style = %d, want %d", got, tt.style)
			}
		})
	}
}

// TestJaegerParameterStyleUndecided: a lookup that gets no answer learns
// nothing; the next one that does decides.
func TestJaegerParameterStyleUndecided(t *testing.T) {
	var up atomic.Bool
	h, queries := releaseHandler(false, "raw_traces")
	gate := newFake(t, map[string]http.HandlerFunc{"/api/v3/traces/": func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			answer(503, "starting")(w, r)
			return
		}
		h(w, r)
	}})
	j := newSource(t, gate.URL, WithAPI(APIv3))
	if _, err := j.Trace(t.Context(), tid, Window{}); err == nil {
		t.Fatal("lookup while Jaeger starts: no error")
	}
	if got := paramStyle(j.v3Params.Load()); got != paramsUnknown {
		t.Fatalf("style after a fault = %d, want it undecided", got)
	}
	up.Store(true)
	if tr, err := j.Trace(t.Context(), tid, Window{}); err != nil || len(tr.Spans) != 2 {
		t.Fatalf("lookup: %d spans, %v", len(tr.Spans), err)
	}
	if got := paramStyle(j.v3Params.Load()); got != paramsSnake || len(queries()) != 2 {
		t.Errorf("style = %d after %d requests, want snake_case after the lookup and its probe", got, len(queries()))
	}
}
