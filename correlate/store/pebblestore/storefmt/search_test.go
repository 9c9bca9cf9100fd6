package storefmt

import (
	"errors"
	"testing"
	"time"
)

// TestSearchGroup checks that a group reads back as written: services and
// level words once each, the trace ids of runs of one trace, times that go
// back, untraced entries between traced ones.
func TestSearchGroup(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 7, 0, time.UTC)
	type in struct {
		at           time.Duration
		off          int64
		id           *[2]uint64
		svc, level   string
		wantLevelIdx int
	}
	a, b := &[2]uint64{1, 2}, &[2]uint64{0, 99}
	entries := []in{
		{10 * time.Millisecond, 1000, a, "api", "slow", 0},
		{20 * time.Millisecond, 1100, a, "api", "slow", 0},
		{5 * time.Millisecond, 1200, nil, "db", "notice", 1},
		{999 * time.Millisecond, 1300, a, "api", "slow", 0},
		{999 * time.Millisecond, 1400, b, "", "notice", 1},
		{0, 5000, b, "db", "slow", 0},
	}
	for _, rank := range []int{0, 3} {
		var g SearchGroup
		sec := SecondOf(AtKey(t0.Add(300 * time.Millisecond)))
		if sec != AtKey(t0) {
			t.Fatalf("SecondOf = %x, want %x", sec, AtKey(t0))
		}
		g.Reset(SearchKey{Bucket: BucketOf(t0), Rank: rank, Second: sec, File: 42})
		for _, e := range entries {
			g.Add(AtKey(t0.Add(e.at)), e.off, e.id, e.svc, e.level)
		}
		if g.Key.First != 1000 {
			t.Errorf("rank %d: First %d, want the first entry's offset", rank, g.Key.First)
		}
		k, v := g.Key.Append(nil), g.AppendValue(nil)
		var r GroupReader
		if err := r.Reset(k, v); err != nil {
			t.Fatal(err)
		}
		if r.N != len(entries) || len(r.Services) != 3 || rank == 0 && len(r.Levels) != 2 {
			t.Fatalf("rank %d: %d entries, services %q, levels %q", rank, r.N, r.Services, r.Levels)
		}
		var se SearchEntry
		for i, w := range entries {
			if !r.Next(&se) {
				t.Fatalf("rank %d: entry %d missing: %v", rank, i, r.Err())
			}
			var wantID [2]uint64
			if w.id != nil {
				wantID = *w.id
			}
			if se.At != AtKey(t0.Add(w.at)) || se.Offset != w.off || se.Traced != (w.id != nil) || se.ID != wantID ||
				string(r.Services[se.Service]) != w.svc || rank == 0 && se.Level != w.wantLevelIdx {
				t.Errorf("rank %d, entry %d: %+v, want %+v", rank, i, se, w)
			}
		}
		if r.Next(&se) || r.Err() != nil {
			t.Errorf("rank %d: more entries, or %v", rank, r.Err())
		}
		// every cut of the value is an error, never a panic or a wrong entry
		for n := 1; n < len(v); n++ {
			if err := r.Reset(k, v[:n]); err != nil {
				continue
			}
			got := 0
			for r.Next(&se) {
				got++
			}
			if r.Err() == nil {
				t.Errorf("rank %d: value cut at %d of %d read %d entries without an error", rank, n, len(v), got)
			}
		}
	}
}

// TestSearchGroupOldValue: a value of the earlier layout (a key per entry)
// is told apart.
func TestSearchGroupOldValue(t *testing.T) {
	var g SearchGroup
	g.Reset(SearchKey{Rank: 3})
	g.Add(AtKey(time.Unix(100, 0)), 7, nil, "api", "")
	k := g.Key.Append(nil)
	var r GroupReader
	for _, v := range [][]byte{{0, 3, 'a', 'p', 'i'}, {1}, nil} {
		if err := r.Reset(k, v); !errors.Is(err, ErrOldSearchValue) {
			t.Errorf("value %x: %v, want ErrOldSearchValue", v, err)
		}
	}
	if _, ok := ParseSearchKey(k[:len(k)-1]); ok {
		t.Error("a cut key parsed")
	}
}
