package view_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/view"
)

// TestApproximateTimes: a whole-second time beside millisecond ones is
// shown in its span's order and marked: "~" in the text views,
// "time_approx":true in the JSON ones.
func TestApproximateTimes(t *testing.T) {
	const gw, wk = "a000000000000001", "b000000000000001"
	tr := traces.Trace{TraceID: tid, Spans: []traces.Span{
		{TraceID: tid, SpanID: gw, Service: "gateway", Name: "POST /forms", Start: ms(1200), Duration: 500 * time.Millisecond},
		{TraceID: tid, SpanID: wk, ParentSpanID: gw, Service: "worker", Name: "store", Start: ms(1540), Duration: 20 * time.Millisecond},
	}}
	recs := []parse.Record{
		{File: "worker.log", Line: 1, TraceID: tid, SpanID: wk, Service: "worker", Msg: "job done", Time: ms(1000), TimePrecision: time.Second},
		{File: "gateway.log", Line: 1, TraceID: tid, SpanID: gw, Service: "gateway", Msg: "calling worker", Time: ms(1250), TimePrecision: time.Millisecond},
		{File: "gateway.log", Line: 2, TraceID: tid, SpanID: gw, Service: "gateway", Msg: "worker replied", Time: ms(1650), TimePrecision: time.Millisecond},
	}
	j := join.Join(tr, recs)
	var merged, jsonl, doc bytes.Buffer
	if err := view.Merged(&merged, j, view.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	view.MergedJSONL(&jsonl, j)
	view.JSON(&doc, j)
	lines := strings.Split(strings.TrimSpace(merged.String()), "\n")
	var body []string
	for _, l := range lines {
		for _, m := range []string{"calling worker", "job done", "worker replied"} {
			if strings.Contains(l, m) {
				body = append(body, l)
			}
		}
	}
	if len(body) != 3 || !strings.Contains(body[0], "calling worker") || !strings.Contains(body[1], "job done") ||
		!strings.Contains(body[1], "~12:00:01 ") || strings.Contains(body[0], "~") || strings.Contains(body[2], "~") {
		t.Errorf("merged view:\n%s", merged.String())
	}
	js := strings.Split(strings.TrimSpace(jsonl.String()), "\n")
	if len(js) != 3 || !strings.Contains(js[1], `"msg":"job done"`) || !strings.Contains(js[1], `"time_approx":true`) ||
		strings.Contains(js[0]+js[2], "time_approx") {
		t.Errorf("merged JSONL:\n%s", jsonl.String())
	}
	if strings.Count(doc.String(), `"time_approx":true`) != 1 {
		t.Errorf("JSON:\n%s", doc.String())
	}
}
