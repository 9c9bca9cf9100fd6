package coverage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/coverage"
	"github.com/traceline/traceline/correlate/parse"
)

func TestTemplate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"form stored", "form stored"},
		{"user 42 saved 'x.pdf' in 12.5ms", "user # saved '…' in #"},
		{`sending mail to "a@b.c" (attempt 3/5)`, `sending mail to "…" (attempt #)`},
		{"order 3fa85f64-5717-4562-b3fc-2c963f66afa6 paid", "order # paid"},
		{"cache key deadbeefcafebabe missing", "cache key # missing"},
		{"can't connect to db", "can't connect to db"},
		{"retry=3 backoff=250ms host=db-1", "retry=# backoff=# host=#"},
		{"panic: boom\ngoroutine 1 [running]:", "panic: boom"},
		{"  padded  ", "padded"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := coverage.Template(tt.in); got != tt.want {
				t.Errorf("Template(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

type line struct {
	svc, file string
	at        int // ms after t0
	trace     string
	caller    string
	msg       string
}

func source(lines []line) coverage.Source {
	recs := make([]parse.Record, len(lines))
	for i, l := range lines {
		recs[i] = parse.Record{File: l.file, Line: int64(i + 1), Service: l.svc, TraceID: l.trace,
			Caller: l.caller, Msg: l.msg, Time: t0.Add(time.Duration(l.at) * time.Millisecond)}
	}
	slices.SortStableFunc(recs, func(a, b parse.Record) int { return a.Time.Compare(b.Time) })
	return func(ctx context.Context, fn func(*parse.Record, time.Time) bool) error {
		for i := range recs {
			if !fn(&recs[i], recs[i].Time) {
				break
			}
		}
		return nil
	}
}

const (
	trA = "0af7651916cd43dd8448eb211c80319c"
	trB = "4bf92f3577b34da6a3ce929d0e0e4736"
)

// data: forms writes callers; api does not; batch is another process.
var data = []line{
	{"forms", "forms.log", 0, trA, "handler.go:10", "request in"},
	{"forms", "forms.log", 100, trA, "handler.go:10", "request done"},
	{"forms", "forms.log", 50, "", "mail.go:20", "sending mail"},   // in request
	{"forms", "forms.log", 500, "", "mail.go:20", "sending mail"},  // outside
	{"forms", "forms.log", 60, "", "handler.go:10", "request in"},  // in request, site also traced
	{"forms", "forms.log", 70, "", "mail.go:20", "sending mail"},   // in request
	{"forms", "forms-2.log", 55, "", "mail.go:20", "sending mail"}, // another replica: no request there
	{"batch", "batch.log", 50, "", "job.go:5", "tick"},             // another process
	{"api", "api.log", 1000, trB, "", "user 42 saved 'x.pdf'"},     // traced, template site
	{"api", "api.log", 1010, "", "", "user 7 saved 'y.pdf'"},       // same template, untraced, in request
	{"api", "api.log", 1020, trB, "", "done"},
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name      string
		opts      []coverage.Option
		wantSites []string // service|key|inRequest|alsoTraced
		inRequest int64
	}{
		{"default", nil, []string{
			"forms|mail.go:20|2|false",
			"api|user # saved '…'|1|true",
			"forms|handler.go:10|1|true",
		}, 4},
		{"slack catches the late line", []coverage.Option{coverage.WithSlack(time.Second)}, []string{
			"forms|mail.go:20|3|false",
			"api|user # saved '…'|1|true",
			"forms|handler.go:10|1|true",
		}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := coverage.Analyze(context.Background(), source(data), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range rep.Sites {
				got = append(got, strings.Join([]string{s.Service, s.Key, itoa(s.InRequest), btoa(s.AlsoTraced())}, "|"))
			}
			if !slices.Equal(got, tt.wantSites) {
				t.Errorf("sites\n got %q\nwant %q", got, tt.wantSites)
			}
			if rep.UntracedInRequest != tt.inRequest || rep.Lines != int64(len(data)) || rep.Traced != 4 {
				t.Errorf("totals %+v", rep)
			}
			if !slices.Equal(rep.CallersMissing, []string{"api"}) {
				t.Errorf("callers missing %q, want [api]", rep.CallersMissing)
			}
			if rep.Processes != 4 {
				t.Errorf("processes %d, want 4", rep.Processes)
			}
		})
	}
}

func TestAnalyzeSourceError(t *testing.T) {
	boom := errors.New("store closed")
	_, err := coverage.Analyze(context.Background(), func(context.Context, func(*parse.Record, time.Time) bool) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want %v", err, boom)
	}
}

func TestReportOutput(t *testing.T) {
	rep, err := coverage.Analyze(context.Background(), source(data))
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text, 0); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"3 call sites write lines without a trace id",
		"2 of them also write lines WITH trace ids",
		"mail.go:20", "msg: user # saved '…'", "◀ also traced",
		"untraced forms.log:", "traced   api.log:",
		"callers missing: api", "AddSource: true", "zap.AddCaller()", ".Caller()",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back coverage.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Sites) != 3 {
		t.Errorf("json round trip: %v %+v", err, back)
	}

	var empty bytes.Buffer
	(&coverage.Report{}).WriteText(&empty, 0)
	if !strings.Contains(empty.String(), "no lines in the index") {
		t.Errorf("empty report: %s", empty.String())
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func btoa(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestProcessesAndTraces: a file is one process, whatever services its
// lines name or fail to name (go-zero's access lines carry none); traces
// count distinct ids, not one per file that logged them; a line without a
// service is counted under its file's.
func TestProcessesAndTraces(t *testing.T) {
	const a, b = "0af7651916cd43dd8448eb211c80319c", "1af7651916cd43dd8448eb211c80319c"
	src := source([]line{
		{"gateway", "gw.log", 0, a, "gw.go:1", "request in"},
		{"", "gw.log", 5, "", "", "[HTTP] 200 - GET /forms"}, // go-zero's access line, untraced
		{"", "gw.log", 6, a, "", "[HTTP] 200 - GET /forms"},
		{"worker", "wk.log", 2, a, "wk.go:1", "job"},
		{"gateway", "gw.log", 10, b, "gw.go:1", "request in"},
		{"worker", "wk.log", 12, b, "wk.go:1", "job"},
	})
	rep, err := coverage.Analyze(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Processes != 2 || rep.Traces != 2 {
		t.Errorf("processes %d, traces %d; want 2 and 2", rep.Processes, rep.Traces)
	}
	for _, s := range rep.Sites {
		if s.Service == "" {
			t.Errorf("a site without a service: %+v", s)
		}
	}
	if len(rep.Sites) != 1 || rep.Sites[0].Service != "gateway" {
		t.Errorf("sites %+v, want the gateway's access line", rep.Sites)
	}
}
