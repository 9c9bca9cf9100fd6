package pebblestore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// TestBulkLoad writes through a BulkLoad store in small runs of about
// three batches (each
// ingested in the background) and checks that every entry reads back in
// time order, the low-half keys of a trace written by several batches
// collapse to one, the checkpoint is the last one written, and a store
// opened normally afterwards sees the same.
func TestBulkLoad(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	s := openTest(t, dir, Options{DisableWAL: true, BulkLoad: true, BulkRunBytes: 16 << 10})
	const batches, per = 40, 25
	off := int64(0)
	want := map[string]int{}
	for b := range batches {
		var es []store.Entry
		for i := range per {
			id := traceA
			if i%2 == 1 {
				id = traceB
			}
			want[id]++
			es = append(es, rec(off, t0.Add(timeStep(off)), id, "", fmt.Sprintf("line %d", off)))
			off++
		}
		if err := s.Write(ctx, es, store.Checkpoint{FileID: 7, Offset: off, Line: off + 1}); err != nil {
			t.Fatalf("batch %d: %v", b, err)
		}
	}
	check := func(s *Store, when string) {
		t.Helper()
		for _, id := range []string{traceA, traceB} {
			tid, _ := store.ParseTraceID(id)
			got, err := s.Logs(ctx, tid...)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if len(got) != want[id] {
				t.Fatalf("%s: trace %s has %d lines, want %d", when, id, len(got), want[id])
			}
			for i := 1; i < len(got); i++ {
				if !got[i-1].Time.Before(got[i].Time) {
					t.Fatalf("%s: out of order at %d", when, i)
				}
			}
			// The 64-bit low half finds the same lines (one low key per trace).
			low, _ := store.ParseTraceID(id[16:])
			if g, err := s.Logs(ctx, low...); err != nil || len(g) != len(got) {
				t.Fatalf("%s: by low half: %d lines, %v", when, len(g), err)
			}
		}
		cps, err := s.Checkpoints(ctx)
		if err != nil || len(cps) != 1 || cps[0].Offset != off {
			t.Fatalf("%s: checkpoints %+v, %v; want offset %d", when, cps, err, off)
		}
	}
	check(s, "bulk store")
	if err := s.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "bulk-*.sst")); len(m) != 0 {
		t.Errorf("runs left behind: %v", m)
	}
	s = openTest(t, dir, Options{ReadOnly: true})
	defer s.Close()
	check(s, "reopened")
}

func timeStep(i int64) time.Duration { return time.Duration(i) * time.Millisecond }
