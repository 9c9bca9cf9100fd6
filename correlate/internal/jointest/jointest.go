// Package jointest builds synthetic traces and their log records for the
// tests and benchmarks of the join, its views and the trace command.
package jointest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
)

// TraceID is the trace id Synthetic uses.
const TraceID = "4bf92f3577b34da6a3ce929d0e0e4736"

// Start is the start of the root span of Synthetic's trace.
var Start = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// Synthetic returns a trace of nspans spans over five services (a root
// server span, nested children up to depth 6, concurrent siblings) and
// nrecs records of it: 70 % with their span id, 20 % with the trace id
// only, 5 % unsampled, 5 % naming a span the trace lacks. The same seed
// gives the same data.
func Synthetic(nspans, nrecs int, seed uint64) (traces.Trace, []parse.Record) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	services := []string{"gateway", "forms", "storage", "auth", "notify"}
	tr := traces.Trace{TraceID: TraceID, Spans: make([]traces.Span, 0, nspans)}
	type node struct {
		start time.Time
		dur   time.Duration
		depth int
	}
	nodes := make([]node, 0, nspans)
	rootDur := time.Duration(nspans) * 2 * time.Millisecond
	tr.Spans = append(tr.Spans, traces.Span{TraceID: TraceID, SpanID: spanID(0), Service: services[0],
		Name: "POST /forms", Kind: "server", Start: Start, Duration: rootDur})
	nodes = append(nodes, node{Start, rootDur, 0})
	for i := 1; i < nspans; i++ {
		p := rng.IntN(len(nodes))
		for nodes[p].depth >= 6 || nodes[p].dur < 20*time.Microsecond {
			p = rng.IntN(len(nodes))
		}
		pn := nodes[p]
		off := time.Duration(rng.Int64N(int64(pn.dur) * 3 / 4))
		dur := time.Duration(rng.Int64N(int64(pn.dur-off))) + time.Microsecond
		svc := tr.Spans[p].Service
		if rng.IntN(3) == 0 {
			svc = services[rng.IntN(len(services))]
		}
		s := traces.Span{TraceID: TraceID, SpanID: spanID(i), ParentSpanID: spanID(p), Service: svc,
			Name: fmt.Sprintf("op-%d", i%37), Kind: "internal", Start: pn.start.Add(off), Duration: dur,
			Error: rng.IntN(50) == 0}
		tr.Spans = append(tr.Spans, s)
		nodes = append(nodes, node{s.Start, dur, pn.depth + 1})
	}
	recs := make([]parse.Record, nrecs)
	levels := []string{"debug", "info", "info", "info", "warn", "error"}
	for i := range recs {
		s := &tr.Spans[rng.IntN(len(tr.Spans))]
		at := s.Start.Add(time.Duration(rng.Int64N(int64(s.Duration) + 1)))
		r := parse.Record{
			File: s.Service + ".log", Line: int64(i + 1), Time: at, TimePrecision: time.Microsecond,
			Level: levels[rng.IntN(len(levels))], Msg: fmt.Sprintf("step %d of %s done", i, s.Name),
			Service: s.Service, TraceID: TraceID, SpanID: s.SpanID, TraceFlags: "01",
		}
		switch k := rng.IntN(20); {
		case k < 4:
			r.SpanID = ""
		case k == 4:
			r.SpanID, r.TraceFlags = spanID(nspans+i), "00"
		case k == 5:
			r.SpanID = spanID(nspans + i)
		}
		r.Raw = r.Msg
		recs[i] = r
	}
	rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	return tr, recs
}

func spanID(i int) string { return fmt.Sprintf("%016x", uint64(i)+0x00f067aa0ba90200) }
