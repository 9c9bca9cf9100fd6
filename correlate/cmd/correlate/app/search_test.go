package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/failures"
	"github.com/traceline/traceline/correlate/search"
)

const (
	searchTraceA = "4bf92f3577b34da6a3ce929d0e0e4736"
	searchTraceB = "0af7651916cd43dd8448eb211c80319c"
)

var searchLines = []string{
	`{"level":"info","ts":"2026-03-01T12:00:00Z","msg":"request received","service.name":"gateway","trace_id":"` + searchTraceA + `","span_id":"00f067aa0ba902b7","trace_flags":"01"}`,
	`{"level":"error","ts":"2026-03-01T12:00:01Z","msg":"database timeout","service.name":"worker","trace_id":"` + searchTraceA + `","span_id":"1111111111111111","patient":"P-42","trace_flags":"01"}`,
	`{"level":"warn","ts":"2026-03-01T12:00:02Z","msg":"slow upstream","service.name":"gateway","trace_id":"` + searchTraceB + `","span_id":"2222222222222222","trace_flags":"00"}`,
	`{"level":"fatal","ts":"2026-03-01T12:00:03Z","msg":"ledger crashed","service.name":"ledger","trace_id":"` + searchTraceB + `","span_id":"3333333333333333","trace_flags":"00"}`,
	`{"level":"info","ts":"2026-03-01T12:00:04Z","msg":"health ok","service.name":"gateway"}`,
}

const searchWindow = "2026-03-01T11:00:00Z"

func TestSearchCommand(t *testing.T) {
	data := buildIndex(t, map[string][]string{"app.log": searchLines})
	empty := buildIndex(t, map[string][]string{"empty.log": {""}})
	win := []string{"--from", searchWindow, "--to", "2026-03-01T13:00:00Z"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // in order
		stderr string
	}{
		{"everything, newest first", append([]string{"search", "--data", data}, win...), 0,
			[]string{"health ok", "ledger crashed", "slow upstream", "database timeout", "request received"}, ""},
		{"level and service", append([]string{"search", "--data", data, "--level", "warn+", "--service", "gateway"}, win...), 0,
			[]string{"2026-03-01T12:00:02.000Z  warn   gateway  slow upstream  trace=" + searchTraceB + " span=2222222222222222"}, ""},
		{"text, any case", append([]string{"search", "--data", data, "TIMEOUT"}, win...), 0, []string{"database timeout", "app.log:2"}, ""},
		{"field", append([]string{"search", "--data", data, "--field", "patient=P-42"}, win...), 0, []string{"database timeout"}, ""},
		{"limit and cursor", append([]string{"search", "--data", data, "--limit", "2"}, win...), 0, []string{"health ok", "ledger crashed"}, "more: --cursor "},
		{"no match", append([]string{"search", "--data", data, "no such words"}, win...), 1, nil, "no entry in the window matches"},
		{"window outside the index", []string{"search", "--data", data}, 1, nil, "is outside what the index holds (entries from"},
		{"empty index", []string{"search", "--data", empty}, 1, nil, "the index is empty"},
		{"no index", []string{"search"}, 2, nil, "--data DIR is required"},
		{"bad since", []string{"search", "--data", data, "--since", "soon"}, 2, nil, "--since"},
		{"since and from", []string{"search", "--data", data, "--since", "1h", "--from", searchWindow}, 2, nil, "--since: give either since or from/to"},
		{"bad level", []string{"search", "--data", data, "--level", "loud+"}, 2, nil, "level"},
		{"bad field", []string{"search", "--data", data, "--field", "patient"}, 2, nil, "--field: want KEY=VALUE"},
		{"bad cursor", []string{"search", "--data", data, "--cursor", "garbage"}, 2, nil, "--cursor"},
		{"bad format", []string{"search", "--data", data, "--format", "xml"}, 2, nil, "--format must be text or json"},
		{"two texts", []string{"search", "--data", data, "a", "b"}, 2, nil, "at most one TEXT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd("", nil, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			rest := r.stdout
			for _, want := range tt.stdout {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("stdout lacks %q (in order):\n%s", want, r.stdout)
				}
				rest = rest[i+len(want):]
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.stderr)
			}
		})
	}

	// json: the API's answer; its cursor continues
	r := runCmd("", nil, append([]string{"search", "--data", data, "--format", "json", "--limit", "3"}, win...)...)
	var resp search.Response
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &resp) != nil || len(resp.Entries) != 3 || resp.Next == "" {
		t.Fatalf("json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if e := resp.Entries[2]; e.TraceID != searchTraceB || e.Level != "warn" || e.Line != 3 || !strings.HasSuffix(e.File, "app.log") {
		t.Errorf("json entry %+v", e)
	}
	r = runCmd("", nil, append([]string{"search", "--data", data, "--cursor", resp.Next}, win...)...)
	if r.code != 0 || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, "request received") {
		t.Errorf("next page: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestFailuresCommand(t *testing.T) {
	data := buildIndex(t, map[string][]string{"app.log": searchLines})
	win := []string{"--from", searchWindow, "--to", "2026-03-01T13:00:00Z"}
	r := runCmd("", nil, append([]string{"failures", "--data", data}, win...)...)
	r.expect(t, 0, []string{"2026-03-01T12:00:03.000Z  ledger  fatal: ledger crashed", "trace " + searchTraceB + "  gateway,ledger  2 lines (1 error), 0 spans (0 error), 1000.0 ms  [" + failures.ReasonFlags00 + "]",
		"worker  error: database timeout", "trace " + searchTraceA}, nil)
	if strings.Index(r.stdout, searchTraceB) > strings.Index(r.stdout, searchTraceA) {
		t.Errorf("not newest first:\n%s", r.stdout)
	}
	r = runCmd("", nil, append([]string{"failures", "--data", data, "--format", "json", "--service", "worker"}, win...)...)
	var res failures.Result
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil || len(res.Failures) != 1 || res.Failures[0].TraceID != searchTraceA || res.Jaeger != "none" {
		t.Fatalf("json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"nothing failed", append([]string{"failures", "--data", data, "--service", "gateway"}, win...), 1, "no request failed in the window"},
		{"window outside the index", []string{"failures", "--data", data}, 1, "outside what the index holds"},
		{"bad since", []string{"failures", "--data", data, "--since", "soon"}, 2, "--since"},
		{"an argument", []string{"failures", "--data", data, "extra"}, 2, "takes no arguments"},
		{"bad jaeger", append([]string{"failures", "--data", data, "--jaeger", "localhost:16686"}, win...), 2, "--jaeger"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runCmd("", nil, tt.args...).expect(t, tt.code, nil, []string{tt.stderr})
		})
	}
}

// TestSearchThroughTheService: while serve holds the data folder, search
// and failures on it answer through its API, as with --server.
func TestSearchThroughTheService(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "app.log")
	os.WriteFile(logFile, []byte(strings.Join(searchLines, "\n")+"\n"), 0o644)
	data := filepath.Join(dir, "data")
	url, stop := startServe(t, data, "--logs", logFile)
	defer stop()
	win := []string{"--from", searchWindow, "--to", "2026-03-01T13:00:00Z"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := runCmd("", nil, append([]string{"search", "--server", url}, win...)...)
		if strings.Count(r.stdout, "\n") == len(searchLines) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service did not index the lines: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	runCmd("", nil, append([]string{"search", "--data", data, "--level", "error"}, win...)...).expect(t, 0, []string{"database timeout"}, nil)
	runCmd("", nil, append([]string{"failures", "--server", url}, win...)...).expect(t, 0, []string{"ledger crashed", "database timeout"}, nil)
	runCmd("", nil, append([]string{"failures", "--data", data, "--service", "gateway"}, win...)...).expect(t, 1, nil, []string{"no request failed"})
}

// TestSearchFieldsOfUntracedLines: a line without a trace id keeps its
// raw text, and so its fields, only in a store kept with --untraced full;
// a compact store finds it by its message but not by a field.
func TestSearchFieldsOfUntracedLines(t *testing.T) {
	line := `{"level":"warn","ts":"2026-03-01T12:00:05Z","msg":"consent withdrawn","service.name":"consent","patient":"P-77"}`
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logs, "consent.log"), []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	win := []string{"--from", searchWindow, "--to", "2026-03-01T13:00:00Z"}
	for _, tt := range []struct {
		mode      string
		fieldCode int
	}{{"compact", 1}, {"full", 0}} {
		data := filepath.Join(dir, tt.mode)
		if r := runCorrelate("", "index", "--quiet", "--untraced", tt.mode, "--data", data, logs); r.code != 0 {
			t.Fatalf("index --untraced %s: exit %d: %s", tt.mode, r.code, r.stderr)
		}
		if r := runCmd("", nil, append([]string{"search", "--data", data, "withdrawn"}, win...)...); r.code != 0 || !strings.Contains(r.stdout, "consent withdrawn") {
			t.Errorf("%s: text search: exit %d\n%s%s", tt.mode, r.code, r.stdout, r.stderr)
		}
		r := runCmd("", nil, append([]string{"search", "--data", data, "--field", "patient=P-77"}, win...)...)
		if r.code != tt.fieldCode || (tt.fieldCode == 0) != strings.Contains(r.stdout, "consent withdrawn") {
			t.Errorf("%s: field search: exit %d, want %d\n%s%s", tt.mode, r.code, tt.fieldCode, r.stdout, r.stderr)
		}
	}
}
