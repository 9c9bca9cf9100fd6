package join_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
)

const tid = "0af7651916cd43dd8448eb211c80319c"

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// ms is t0 plus n milliseconds.
func ms(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Millisecond))) }

func span(id, parent, svc string, start, dur float64) traces.Span {
	return traces.Span{TraceID: tid, SpanID: id, ParentSpanID: parent, Service: svc, Name: "op-" + id,
		Start: ms(start), Duration: time.Duration(dur * float64(time.Millisecond))}
}

// rec is a trace-only record of svc at t0+at ms, nanosecond precision.
func rec(svc string, at float64) parse.Record {
	return parse.Record{TraceID: tid, Service: svc, Time: ms(at), TimePrecision: time.Nanosecond, Msg: "m"}
}

func withSpan(r parse.Record, id, flags string) parse.Record {
	r.SpanID, r.TraceFlags = id, flags
	return r
}

func withPrec(r parse.Record, p time.Duration) parse.Record {
	r.TimePrecision = p
	return r
}

// Span ids: 16 hex digits, kept short and readable here.
const (
	root  = "a000000000000001" // api     0..100
	child = "a000000000000002" // api    10..40, child of root
	sibA  = "a000000000000003" // api    50..80, child of root
	sibB  = "a000000000000004" // api    55..90, child of root, overlaps sibA
	db    = "b000000000000001" // db     12..30, child of child
	gone  = "c000000000000001" // not in the trace
)

var tree = traces.Trace{TraceID: tid, Spans: []traces.Span{
	span(sibB, root, "api", 55, 35),
	span(root, "", "api", 0, 100),
	span(db, child, "db", 12, 18),
	span(child, root, "api", 10, 30),
	span(sibA, root, "api", 50, 30),
}}

// placed finds where the single record of a join went.
type placed struct {
	span   string // "" for an orphan
	match  join.Match
	reason join.Reason
	cands  []string
	skewed bool
}

func where(j *join.Trace) placed {
	for _, s := range j.Spans {
		for _, l := range s.Logs {
			return placed{span: s.SpanID, match: l.Match, cands: l.Candidates, skewed: l.Skewed}
		}
	}
	for _, o := range j.Orphans {
		return placed{reason: o.Reason}
	}
	return placed{}
}

func TestJoinRules(t *testing.T) {
	now := func() time.Time { return t0.Add(time.Hour) }
	tests := []struct {
		name string
		tr   traces.Trace
		rec  parse.Record
		opts []join.Option
		want placed
	}{
		{"exact: span id in the trace", tree, withSpan(rec("api", 20), child, "01"), nil,
			placed{span: child, match: join.MatchExact}},
		{"exact: service of the line does not matter", tree, withSpan(rec("other", 20), db, "01"), nil,
			placed{span: db, match: join.MatchExact}},
		{"exact: within skew tolerance", tree, withSpan(rec("api", 40.5), child, "01"), nil,
			placed{span: child, match: join.MatchExact}},
		{"exact: skewed beyond tolerance, never moved", tree, withSpan(rec("api", 1500), child, "01"), nil,
			placed{span: child, match: join.MatchExact, skewed: true}},
		{"exact: skewed before start with a small tolerance", tree, withSpan(rec("api", 5), child, "01"),
			[]join.Option{join.WithSkewTolerance(time.Millisecond)},
			placed{span: child, match: join.MatchExact, skewed: true}},
		{"inferred: innermost span of its service", tree, rec("api", 20), nil,
			placed{span: child, match: join.MatchInferred}},
		{"inferred: other services' spans are not candidates", tree, rec("api", 15), nil,
			placed{span: child, match: join.MatchInferred}},
		{"inferred: db line goes to db span", tree, rec("db", 15), nil,
			placed{span: db, match: join.MatchInferred}},
		{"inferred: root between children", tree, rec("api", 45), nil,
			placed{span: root, match: join.MatchInferred}},
		{"inferred: no service means any service", tree, rec("", 15), nil,
			placed{span: db, match: join.MatchInferred}},
		{"inferred: millisecond stamp inside one span", tree, withPrec(rec("api", 20), time.Millisecond), nil,
			placed{span: child, match: join.MatchInferred}},
		{"inferred: after every span, nearest, skewed", tree, rec("api", 1500), nil,
			placed{span: root, match: join.MatchInferred, skewed: true}},
		{"inferred: just after the end, within tolerance", tree, rec("db", 30.5), nil,
			placed{span: db, match: join.MatchInferred}},
		{"ambiguous: overlapping siblings", tree, rec("api", 60), nil,
			placed{span: sibB, match: join.MatchAmbiguous, cands: []string{sibA, sibB}}},
		{"ambiguous: second-precision stamp wider than the spans", tree, withPrec(rec("api", 0), time.Second), nil,
			placed{span: root, match: join.MatchAmbiguous, cands: []string{root, child, sibA, sibB}}},
		{"ambiguous: window straddles a child's start", tree, withPrec(rec("api", 9.5), time.Millisecond), nil,
			placed{span: root, match: join.MatchAmbiguous, cands: []string{root, child}}},
		{"ambiguous: no time, several spans", tree, parse.Record{TraceID: tid, Service: "api"}, nil,
			placed{span: root, match: join.MatchAmbiguous, cands: []string{root, child, sibA, sibB}}},
		{"inferred: no time, the service's only span", tree, parse.Record{TraceID: tid, Service: "db"}, nil,
			placed{span: db, match: join.MatchInferred}},
		{"orphan: unsampled", tree, withSpan(rec("api", 20), gone, "00"), nil,
			placed{reason: join.ReasonUnsampled}},
		{"orphan: unsampled without span id", tree, withSpan(rec("pay", 20), "", "00"), nil,
			placed{reason: join.ReasonUnsampled}},
		{"orphan: not yet exported", tree, withSpan(rec("api", 20), gone, "01"),
			[]join.Option{join.WithNow(func() time.Time { return ms(3000) })},
			placed{reason: join.ReasonNotYetExported}},
		{"orphan: export delay off", tree, withSpan(rec("api", 20), gone, "01"),
			[]join.Option{join.WithNow(func() time.Time { return ms(3000) }), join.WithExportDelay(0)},
			placed{reason: join.ReasonDroppedDownstream}},
		{"orphan: dropped downstream", tree, withSpan(rec("api", 20), gone, "01"), nil,
			placed{reason: join.ReasonDroppedDownstream}},
		{"orphan: sampled bit in other flags", tree, withSpan(rec("api", 20), gone, "03"), nil,
			placed{reason: join.ReasonDroppedDownstream}},
		{"orphan: service absent from the trace", tree, withSpan(rec("pay", 20), "", "01"), nil,
			placed{reason: join.ReasonDroppedDownstream}},
		{"orphan: span missing, no flags", tree, withSpan(rec("api", 20), gone, ""), nil,
			placed{reason: join.ReasonSpanMissing}},
		{"orphan: whole trace missing", traces.Trace{TraceID: tid}, withSpan(rec("api", 20), child, "01"), nil,
			placed{reason: join.ReasonTraceMissing}},
		{"orphan: trace source failed", traces.Trace{TraceID: tid}, withSpan(rec("api", 20), child, "01"),
			[]join.Option{join.WithSourceError(errors.New("jaeger: connection refused"))},
			placed{reason: join.ReasonTraceUnavailable}},
		{"orphan: a failed source wins over a young record", traces.Trace{TraceID: tid}, withSpan(rec("api", 20), child, "01"),
			[]join.Option{join.WithSourceError(errors.New("boom")), join.WithNow(func() time.Time { return ms(3000) })},
			placed{reason: join.ReasonTraceUnavailable}},
		{"orphan: young trace missing is not yet exported", traces.Trace{TraceID: tid}, withSpan(rec("api", 20), child, "01"),
			[]join.Option{join.WithNow(func() time.Time { return ms(3000) })},
			placed{reason: join.ReasonNotYetExported}},
		{"orphan: unsampled wins over a failed source", traces.Trace{TraceID: tid}, withSpan(rec("api", 20), child, "00"),
			[]join.Option{join.WithSourceError(errors.New("boom"))},
			placed{reason: join.ReasonUnsampled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]join.Option{join.WithNow(now)}, tt.opts...)
			got := where(join.Join(tt.tr, []parse.Record{tt.rec}, opts...))
			if got.span != tt.want.span || got.match != tt.want.match || got.reason != tt.want.reason ||
				got.skewed != tt.want.skewed || !slices.Equal(got.cands, tt.want.cands) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestJoinShape(t *testing.T) {
	recs := []parse.Record{
		withSpan(rec("api", 70), sibA, "01"),
		rec("api", 20),
		withSpan(rec("api", 20), gone, "01"),
		withSpan(rec("api", 15), child, "01"),
		withSpan(rec("api", 5), root, "01"),
	}
	tr := tree
	tr.Spans = slices.Clone(tree.Spans)
	tr.Spans[2].Error = true // db: in error, no line
	j := join.Join(tr, recs, join.WithNow(func() time.Time { return t0.Add(time.Hour) }))

	var ids []string
	for _, s := range j.Spans {
		ids = append(ids, s.SpanID)
	}
	if want := []string{root, child, db, sibA, sibB}; !slices.Equal(ids, want) {
		t.Errorf("span order %v, want %v", ids, want)
	}
	depths := map[string]int{root: 0, child: 1, db: 2, sibA: 1, sibB: 1}
	for _, s := range j.Spans {
		if s.Depth != depths[s.SpanID] {
			t.Errorf("%s depth %d, want %d", s.SpanID, s.Depth, depths[s.SpanID])
		}
		if s.Parent >= 0 && j.Spans[s.Parent].SpanID != s.ParentSpanID {
			t.Errorf("%s parent index points at %s", s.SpanID, j.Spans[s.Parent].SpanID)
		}
	}
	c := j.Spans[1]
	if len(c.Logs) != 2 || !c.Logs[0].Record.Time.Before(c.Logs[1].Record.Time) {
		t.Errorf("child logs not 2 in time order: %+v", c.Logs)
	}
	if !j.Spans[2].SilentError || j.SilentErrors != 1 {
		t.Errorf("db span in error without lines not flagged: %+v", j.Spans[2])
	}
	if len(j.Orphans) != 1 || j.Orphans[0].Record != &recs[2] {
		t.Errorf("orphans %+v", j.Orphans)
	}
}

func TestJoinParentCycle(t *testing.T) {
	tr := traces.Trace{TraceID: tid, Spans: []traces.Span{
		span("0000000000000001", "0000000000000003", "a", 0, 10),
		span("0000000000000002", "0000000000000001", "a", 1, 5),
		span("0000000000000003", "0000000000000002", "a", 2, 1),
		span("0000000000000004", "0000000000000004", "a", 3, 1), // its own parent
	}}
	j := join.Join(tr, nil)
	roots := 0
	for _, s := range j.Spans {
		if s.Parent < 0 {
			roots++
			if s.Depth != 0 {
				t.Errorf("root %s depth %d", s.SpanID, s.Depth)
			}
		} else if s.Depth != j.Spans[s.Parent].Depth+1 {
			t.Errorf("%s depth %d, parent depth %d", s.SpanID, s.Depth, j.Spans[s.Parent].Depth)
		}
	}
	if roots != 2 {
		t.Errorf("%d roots, want 2 (cycle cut once, self-parent is a root)", roots)
	}
}
