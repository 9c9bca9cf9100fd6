package join_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/view"
)

// FuzzJoin builds a trace and its records from the fuzzer's bytes (spans
// with any parents, cycles and missing parents included; records with or
// without a time, a span id in the trace or not, two services, any
// precision and flags) and checks what every join must give: each record
// exactly once, under a span or as an orphan; a record whose span id is
// a span of the trace under that span, exact; logs and orphans in time
// order; spans in start order; parents and depths consistent; an ambiguous
// record among its own candidates. Its seeds run with every `go test`.
func FuzzJoin(f *testing.F) {
	f.Add([]byte{3, 0, 0, 10, 50, 1, 1, 12, 20, 2, 1, 30, 5}, []byte{0, 1, 15, 2, 2, 31, 5, 0xff, 0, 3, 4, 40})
	f.Add([]byte{2, 1, 0, 0, 10, 0, 1, 0, 10}, []byte{1, 0, 5, 2, 1, 5, 0, 0, 0})
	f.Add([]byte{5, 4, 2, 0, 100, 0, 1, 10, 20, 1, 2, 15, 3, 3, 3, 50, 40, 2, 3, 55, 30}, []byte{9, 1, 52, 9, 0, 56, 4, 1, 70, 0x80, 2, 0, 7, 3, 200})
	f.Fuzz(func(t *testing.T, sb, rb []byte) {
		id := func(b byte) string { return fmt.Sprintf("a0000000000000%02x", b%24+1) }
		svc := func(b byte) string { return [...]string{"api", "db"}[b%2] }
		tr := traces.Trace{TraceID: tid}
		inTrace := map[string]bool{}
		for i := 0; i+4 <= len(sb) && len(tr.Spans) < 16; i += 4 {
			sid := id(byte(len(tr.Spans)))
			parent := ""
			if sb[i]%5 != 0 {
				parent = id(sb[i] % 20) // may be itself, a later span, or none of them
			}
			s := span(sid, "", svc(sb[i+1]), float64(sb[i+2]), float64(sb[i+3]))
			s.ParentSpanID = parent
			s.Error = sb[i+1]&4 != 0
			tr.Spans = append(tr.Spans, s)
			inTrace[sid] = true
		}
		var recs []parse.Record
		for i := 0; i+3 <= len(rb) && len(recs) < 48; i += 3 {
			r := rec(svc(rb[i]), float64(rb[i+2])-20)
			switch {
			case rb[i+1] == 0xff:
				r.Time, r.TimePrecision = time.Time{}, 0
			case rb[i+1]&0x80 != 0:
				r.TimePrecision = []time.Duration{time.Second, time.Millisecond, time.Microsecond}[rb[i+1]%3]
				r.Time = r.Time.Truncate(r.TimePrecision)
			}
			if rb[i]&2 != 0 {
				r.SpanID = id(rb[i+1] % 20)
				r.TraceFlags = [...]string{"01", "00", ""}[rb[i]>>2%3]
			}
			r.Msg = string(rb[i : i+3]) // any bytes: the views must escape them
			r.Raw = `{"msg":"` + r.Msg + `"}`
			recs = append(recs, r)
		}
		now := t0.Add(time.Hour)
		j := join.Join(tr, recs, join.WithNow(func() time.Time { return now }))

		seen := make([]int, len(recs))
		index := func(r *parse.Record) int {
			k := pos(r, recs)
			if k < 0 {
				t.Fatalf("a line points outside the records given")
			}
			return k
		}
		for si, s := range j.Spans {
			if si > 0 {
				p := j.Spans[si-1]
				if s.Start.Before(p.Start) || s.Start.Equal(p.Start) && s.SpanID < p.SpanID {
					t.Errorf("spans out of start order: %s before %s", p.SpanID, s.SpanID)
				}
			}
			if s.Parent >= 0 {
				if s.Parent >= len(j.Spans) || s.Parent == si {
					t.Fatalf("span %s parent index %d", s.SpanID, s.Parent)
				}
				if s.Depth != j.Spans[s.Parent].Depth+1 {
					t.Errorf("span %s depth %d, parent's %d", s.SpanID, s.Depth, j.Spans[s.Parent].Depth)
				}
			} else if s.Depth != 0 {
				t.Errorf("root %s depth %d", s.SpanID, s.Depth)
			}
			// Following parents ends at a root: no cycle survives.
			for k, p := 0, si; p >= 0; k, p = k+1, j.Spans[p].Parent {
				if k > len(j.Spans) {
					t.Fatalf("cycle through span %s", s.SpanID)
				}
			}
			for li, l := range s.Logs {
				k := index(l.Record)
				seen[k]++
				if inTrace[l.Record.SpanID] && l.Record.SpanID != s.SpanID {
					t.Errorf("record of span %s placed under %s", l.Record.SpanID, s.SpanID)
				}
				if l.Record.SpanID == s.SpanID && l.Match != join.MatchExact {
					t.Errorf("record of span %s matched %q", s.SpanID, l.Match)
				}
				if l.Match == join.MatchAmbiguous {
					found := false
					for _, c := range l.Candidates {
						found = found || c == s.SpanID
					}
					if !found {
						t.Errorf("ambiguous record under %s, candidates %v", s.SpanID, l.Candidates)
					}
				}
				if li > 0 && !ordered(s.Logs[li-1].Record, l.Record, recs) {
					t.Errorf("logs of %s out of time order", s.SpanID)
				}
			}
		}
		for oi, o := range j.Orphans {
			k := index(o.Record)
			seen[k]++
			if inTrace[o.Record.SpanID] {
				t.Errorf("record of span %s, which is in the trace, orphaned: %s", o.Record.SpanID, o.Reason)
			}
			if oi > 0 && !ordered(j.Orphans[oi-1].Record, o.Record, recs) {
				t.Errorf("orphans out of time order")
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("record %d placed %d times", k, n)
			}
		}
		// Every view of any join is well-formed.
		if js := view.AppendJSON(nil, j); !json.Valid(js) {
			t.Fatalf("view.AppendJSON: invalid JSON: %s", js)
		}
		var buf bytes.Buffer
		if err := view.MergedJSONL(&buf, j); err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n")) {
			if len(line) > 0 && !json.Valid(line) {
				t.Fatalf("view.MergedJSONL: invalid JSON line: %s", line)
			}
		}
		buf.Reset()
		if err := view.Text(&buf, j, view.TextOptions{}); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := view.Merged(&buf, j, view.TextOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

// ordered reports whether a may come before b: by time, records without a
// time last, ties in input order.
func ordered(a, b *parse.Record, recs []parse.Record) bool {
	switch {
	case a.Time.IsZero() && b.Time.IsZero():
		return pos(a, recs) < pos(b, recs)
	case a.Time.IsZero():
		return false
	case b.Time.IsZero():
		return true
	case a.Time.Equal(b.Time):
		return pos(a, recs) < pos(b, recs)
	}
	return a.Time.Before(b.Time)
}

func pos(r *parse.Record, recs []parse.Record) int {
	for k := range recs {
		if &recs[k] == r {
			return k
		}
	}
	return -1
}
