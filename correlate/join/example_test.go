package join_test

import (
	"fmt"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
)

func ExampleJoin() {
	start := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	const tid = "0af7651916cd43dd8448eb211c80319c"
	tr := traces.Trace{TraceID: tid, Spans: []traces.Span{
		{SpanID: "00f067aa0ba902b7", Service: "forms", Name: "POST /forms", Start: start, Duration: 80 * time.Millisecond},
		{SpanID: "b7ad6b7169203331", ParentSpanID: "00f067aa0ba902b7", Service: "forms", Name: "INSERT",
			Start: start.Add(10 * time.Millisecond), Duration: 20 * time.Millisecond},
	}}
	recs := []parse.Record{
		{Msg: "form stored", TraceID: tid, SpanID: "b7ad6b7169203331", Service: "forms", Time: start.Add(25 * time.Millisecond)},
		{Msg: "validating", TraceID: tid, Service: "forms", Time: start.Add(5 * time.Millisecond), TimePrecision: time.Microsecond},
		{Msg: "mail queued", TraceID: tid, SpanID: "e1e2e3e4e5e6e7e8", TraceFlags: "01", Service: "mail", Time: start},
	}
	j := join.Join(tr, recs, join.WithNow(func() time.Time { return start.Add(time.Hour) }))
	for _, s := range j.Spans {
		for _, l := range s.Logs {
			fmt.Printf("%s: %q (%s)\n", s.Name, l.Record.Msg, l.Match)
		}
	}
	for _, o := range j.Orphans {
		fmt.Printf("orphan: %q (%s)\n", o.Record.Msg, o.Reason)
	}
	// Output:
	// POST /forms: "validating" (inferred)
	// INSERT: "form stored" (exact)
	// orphan: "mail queued" (dropped downstream)
}
