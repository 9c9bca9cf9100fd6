package join_test

import (
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
)

// coarseTrace is a gateway (millisecond times) calling a worker whose
// logger writes whole seconds (zerolog's default): the worker's lines at
// "12:00:01" were written at 12:00:01.540-.560, inside its span, after
// the gateway's call at .250 and before the reply at .650.
func coarseTrace() (traces.Trace, []parse.Record) {
	const gw, wk = "a000000000000001", "b000000000000001"
	tr := traces.Trace{TraceID: tid, Spans: []traces.Span{span(gw, "", "gateway", 1200, 500), span(wk, gw, "worker", 1540, 20)}}
	line := func(file string, n int64, svc, msg string, at float64, p time.Duration, sp string) parse.Record {
		return parse.Record{File: file, Line: n, TraceID: tid, SpanID: sp, Service: svc, Msg: msg, Time: ms(at).Truncate(p), TimePrecision: p}
	}
	recs := []parse.Record{ // as the index gives them: in time order
		line("worker.log", 1, "worker", "job started", 1545, time.Second, wk),
		line("worker.log", 2, "worker", "job done", 1555, time.Second, wk),
		line("gateway.log", 1, "gateway", "calling worker", 1250, time.Millisecond, gw),
		line("gateway.log", 2, "gateway", "worker replied", 1650, time.Millisecond, gw),
	}
	return tr, recs
}

// TestCoarseTimesOrderedBySpan: whole-second times beside millisecond
// ones are ordered by their span's position and their file, and marked
// approximate.
func TestCoarseTimesOrderedBySpan(t *testing.T) {
	tr, recs := coarseTrace()
	j := join.Join(tr, recs)
	type got struct {
		msg    string
		approx bool
	}
	order := make([]got, len(recs))
	for _, s := range j.Spans {
		for _, l := range s.Logs {
			order[l.Pos] = got{l.Record.Msg, l.Approx}
		}
	}
	want := []got{{"calling worker", false}, {"job started", true}, {"job done", true}, {"worker replied", false}}
	for i := range want {
		if order[i] != want[i] {
			t.Errorf("reading order %v, want %v", order, want)
			break
		}
	}
}

// TestOrder: without spans, a coarse time sorts at the middle of its
// second, after the lines above it in its file; a time that no finer
// line shares a second with keeps its place and is not approximate.
func TestOrder(t *testing.T) {
	_, recs := coarseTrace()
	recs = append(recs, parse.Record{File: "worker.log", Line: 3, Msg: "next second", Time: ms(3000), TimePrecision: time.Second})
	approx := join.Order(recs)
	var msgs []string
	for _, r := range recs {
		msgs = append(msgs, r.Msg)
	}
	want := []string{"calling worker", "job started", "job done", "worker replied", "next second"}
	if len(msgs) != len(want) {
		t.Fatalf("order %q", msgs)
	}
	for i := range want {
		if msgs[i] != want[i] {
			t.Fatalf("order %q, want %q", msgs, want)
		}
	}
	if wantApprox := []bool{false, true, true, false, false}; len(approx) != len(wantApprox) || approx[1] != true || approx[2] != true || approx[0] || approx[3] || approx[4] {
		t.Errorf("approx %v, want %v", approx, wantApprox)
	}
	if join.Order(recs[:1]) != nil {
		t.Error("a single line is approximate")
	}
}
