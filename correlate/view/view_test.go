package view_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/view"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const tid = "0af7651916cd43dd8448eb211c80319c"

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func ms(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Millisecond))) }

// sample is a small trace of the ePRO scenario: a form submission through
// a gateway to the forms service and its database, with every kind of line.
func sample() (traces.Trace, []parse.Record) {
	sp := func(id, parent, svc, name string, start, dur float64, isErr bool) traces.Span {
		return traces.Span{TraceID: tid, SpanID: id, ParentSpanID: parent, Service: svc, Name: name, Kind: "server",
			Start: ms(start), Duration: time.Duration(dur * float64(time.Millisecond)), Error: isErr}
	}
	tr := traces.Trace{TraceID: tid, Spans: []traces.Span{
		sp("00f067aa0ba902b7", "", "gateway", "POST /forms", 0, 120, false),
		sp("b7ad6b7169203331", "00f067aa0ba902b7", "forms", "store form", 10, 100, false),
		sp("c1c2c3c4c5c6c7c8", "b7ad6b7169203331", "forms", "INSERT forms", 20, 30, true),
		sp("d1d2d3d4d5d6d7d8", "b7ad6b7169203331", "forms", "notify", 60, 5.5, true),
	}}
	tr.Spans[2].StatusMsg = "deadlock detected"
	r := func(file string, line int64, at float64, span, flags, level, svc, msg string) parse.Record {
		return parse.Record{File: file, Line: line, Time: ms(at), TimePrecision: time.Microsecond, Level: level,
			Msg: msg, Service: svc, TraceID: tid, SpanID: span, TraceFlags: flags}
	}
	recs := []parse.Record{
		r("gateway.log", 7, 1, "00f067aa0ba902b7", "01", "info", "gateway", "request received"),
		r("forms.log", 12, 25, "c1c2c3c4c5c6c7c8", "01", "error", "forms", "insert failed: \"deadlock\"\n\tat db.go:42"),
		r("forms.log", 13, 30, "", "01", "warn", "forms", "retrying insert"),
		r("forms.log", 14, 1500, "b7ad6b7169203331", "01", "info", "forms", "form stored"),
		r("forms.log", 15, 40, "e1e2e3e4e5e6e7e8", "01", "info", "forms", "audit written"),
		r("mail.log", 3, 62, "f1f2f3f4f5f6f7f8", "00", "info", "mail", "mail queued"),
	}
	return tr, recs
}

func joined() *join.Trace {
	tr, recs := sample()
	return join.Join(tr, recs, join.WithNow(func() time.Time { return t0.Add(time.Hour) }))
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestViewsGolden(t *testing.T) {
	j := joined()
	tests := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"trace.json", func(b *bytes.Buffer) error { return view.JSON(b, j) }},
		{"trace.txt", func(b *bytes.Buffer) error { return view.Text(b, j, view.TextOptions{}) }},
		{"trace.color.txt", func(b *bytes.Buffer) error { return view.Text(b, j, view.TextOptions{Color: true}) }},
		{"merged.txt", func(b *bytes.Buffer) error { return view.Merged(b, j, view.TextOptions{}) }},
		{"merged.jsonl", func(b *bytes.Buffer) error { return view.MergedJSONL(b, j) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.render(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
			if !strings.Contains(tt.name, "color") && strings.Contains(b.String(), "\x1b[") {
				t.Error("plain output holds ANSI escapes")
			}
		})
	}
}

// TestJSONContract checks the keys the JSON contract fixes, independent of the
// golden file.
func TestJSONContract(t *testing.T) {
	tests := []struct {
		name string
		j    *join.Trace
	}{
		{"joined", joined()},
		{"trace unavailable", func() *join.Trace {
			_, recs := sample()
			return join.Join(traces.Trace{TraceID: tid}, recs, join.WithSourceError(errors.New("jaeger: 503")))
		}()},
		{"empty", join.Join(traces.Trace{TraceID: tid}, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := view.JSON(&b, tt.j); err != nil {
				t.Fatal(err)
			}
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, b.String())
			}
			for _, k := range []string{"trace_id", "spans", "orphans"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("key %q missing", k)
				}
			}
			var body struct {
				Spans   []map[string]any `json:"spans"`
				Orphans []map[string]any `json:"orphans"`
			}
			if err := json.Unmarshal(b.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Spans == nil || body.Orphans == nil {
				t.Errorf("spans or orphans is null: %s", b.String())
			}
			lineKeys := []string{"file", "line", "trace_id", "span_id", "time", "level", "msg", "service"}
			for _, s := range body.Spans {
				for _, k := range []string{"span_id", "parent_span_id", "service", "name", "start", "duration_ms", "error", "logs"} {
					if _, ok := s[k]; !ok {
						t.Errorf("span key %q missing", k)
					}
				}
				for _, l := range s["logs"].([]any) {
					m := l.(map[string]any)
					for _, k := range append(lineKeys, "match") {
						if _, ok := m[k]; !ok {
							t.Errorf("log key %q missing", k)
						}
					}
				}
			}
			for _, o := range body.Orphans {
				for _, k := range append(lineKeys, "reason") {
					if _, ok := o[k]; !ok {
						t.Errorf("orphan key %q missing", k)
					}
				}
			}
		})
	}
}

func TestIsColorTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if view.IsColorTerminal(f) {
		t.Error("a regular file is not a terminal")
	}
	t.Setenv("NO_COLOR", "1")
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if view.IsColorTerminal(tty) {
			t.Error("NO_COLOR set, yet colour")
		}
	}
}
