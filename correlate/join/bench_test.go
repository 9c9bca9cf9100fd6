package join_test

import (
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/jointest"
	"github.com/traceline/traceline/correlate/join"
)

// BenchmarkJoin joins the reference load: a 1,000-span trace with
// 10,000 log records.
func BenchmarkJoin(b *testing.B) {
	tr, recs := jointest.Synthetic(1000, 10000, 1)
	now := func() time.Time { return jointest.Start.Add(time.Hour) }
	b.ReportAllocs()
	for b.Loop() {
		join.Join(tr, recs, join.WithNow(now))
	}
}

func TestSyntheticJoin(t *testing.T) {
	tr, recs := jointest.Synthetic(1000, 10000, 1)
	j := join.Join(tr, recs, join.WithNow(func() time.Time { return jointest.Start.Add(time.Hour) }))
	counts := map[join.Match]int{}
	placed := 0
	for _, s := range j.Spans {
		for _, l := range s.Logs {
			counts[l.Match]++
			placed++
		}
	}
	if placed+len(j.Orphans) != len(recs) {
		t.Fatalf("placed %d + orphans %d != %d records", placed, len(j.Orphans), len(recs))
	}
	if counts[join.MatchExact] < 6000 || counts[join.MatchInferred] == 0 || len(j.Orphans) < 500 {
		t.Errorf("unexpected mix: %v, %d orphans", counts, len(j.Orphans))
	}
}
