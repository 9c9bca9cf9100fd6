package app

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFindCommand(t *testing.T) {
	const (
		tid = "0af7651916cd43dd8448eb211c80319c"
		sid = "b7ad6b7169203331"
	)
	jaegerLink := "http://localhost:16686/trace/" + tid + "?uiFind=" + sid
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout []string
		stderr []string
	}{
		{"otel json line", []string{`{"level":"info","msg":"form stored","trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"01"}`}, "", 0,
			[]string{"trace_id    " + tid, "span_id     " + sid, "jaeger      " + jaegerLink, "correlator  http://127.0.0.1:8089/trace/" + tid, "(sampled)"}, nil},
		{"custom bases, flags after", []string{`{"msg":"x","trace_id":"` + tid + `","span_id":"` + sid + `"}`, "--jaeger-ui", "https://j.example/", "--correlator", "http://c:1"}, "", 0,
			[]string{"https://j.example/trace/" + tid + "?uiFind=" + sid, "http://c:1/trace/" + tid}, nil},
		{"unsampled line", []string{`{"msg":"x","trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"00"}`}, "", 0,
			[]string{"NOT sampled"}, nil},
		{"bare trace id", []string{strings.ToUpper(tid)}, "", 0,
			[]string{"trace_id    " + tid, "(none in the line", "http://localhost:16686/trace/" + tid + "\n"}, nil},
		{"traceparent", []string{"00-" + tid + "-" + sid + "-01"}, "", 0, []string{jaegerLink}, nil},
		{"from stdin", []string{"-"}, `{"msg":"x","trace_id":"` + tid + `","span_id":"` + sid + `"}` + "\n", 0, []string{jaegerLink}, nil},
		{"no ids", []string{`{"level":"info","msg":"started"}`}, "", 1, nil, []string{"no trace id in this line", "trace_id (OTel)"}},
		{"empty stdin", []string{"-"}, "", 1, nil, []string{"nothing on standard input"}},
		{"no argument", nil, "", 2, nil, []string{"want exactly one LOG LINE", "Usage: correlate find"}},
		{"two arguments", []string{"a", "b"}, "", 2, nil, []string{"want exactly one LOG LINE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCorrelate(tt.stdin, append([]string{"find"}, tt.args...)...)
			r.expect(t, tt.code, tt.stdout, tt.stderr)
		})
	}
}

func TestFindJSON(t *testing.T) {
	line := `{"msg":"x","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"}`
	r := runCorrelate("", "find", "--format", "json", line)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"trace_id", "span_id", "jaeger_url", "correlator_url"} {
		if got[k] == "" {
			t.Errorf("key %q empty in %s", k, r.stdout)
		}
	}
}
