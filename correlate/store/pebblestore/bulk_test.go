package pebblestore

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// TestBulkLoad writes through a BulkLoad store in small runs of about
// three batches (each
// ingested in the background) and checks that every entry reads back in
// time order, the low-half keys of a trace written by several batches
// collapse to one, the checkpoint is the last one written, and a store
// opened normally afterwards sees the same.
//
// It runs in one epoch (every table straight into the last level), in
// many (each epoch's tables overlap the last one's), and with spill files
// sorted in many chunks (each ingested on its own).
func TestBulkLoad(t *testing.T) {
	for _, tt := range []struct {
		name        string
		epoch       int64
		chunk       int64
		onlyLastLvl string // "yes", "no", or "" (either)
	}{
		{"one epoch", 0, 0, "yes"},
		{"epochs", 32 << 10, 0, "no"},
		// the chunks of a part follow each other in time: the last level
		{"chunks", 0, 4 << 10, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.chunk > 0 {
				old := spillChunkBytes
				spillChunkBytes = tt.chunk
				defer func() { spillChunkBytes = old }()
			}
			testBulkLoad(t, Options{DisableWAL: true, BulkLoad: true, BulkRunBytes: 16 << 10, BulkEpochBytes: tt.epoch}, tt.onlyLastLvl)
		})
	}
}

func testBulkLoad(t *testing.T, o Options, onlyLastLvl string) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	s := openTest(t, dir, o)
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
	if got := map[bool]string{true: "yes", false: "no"}[onlyLastLevel(s.db.Metrics())]; onlyLastLvl != "" && got != onlyLastLvl {
		t.Errorf("every table in the last level: %s, want %s", got, onlyLastLvl)
	}
	if err := s.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pat := range []string{"bulk-*.sst", "bulk-*.spill"} {
		if m, _ := filepath.Glob(filepath.Join(dir, pat)); len(m) != 0 {
			t.Errorf("files left behind: %v", m)
		}
	}
	s = openTest(t, dir, Options{ReadOnly: true})
	defer s.Close()
	check(s, "reopened")
	// read-only, the newest time is read when Stats asks for it
	if st, err := s.Stats(ctx); err != nil || !st.Newest.Equal(t0.Add(timeStep(off-1))) {
		t.Errorf("read-only Stats: newest %v, %v; want %v", st.Newest, err, t0.Add(timeStep(off-1)))
	}
}

func timeStep(i int64) time.Duration { return time.Duration(i) * time.Millisecond }

// TestSpillTablesDisjoint: the tables a bulk load writes must not overlap,
// or one ingest cannot take them all. Over random keys of every space,
// days (a time before 1970 and the edges of a day among them), 64-bit and
// 128-bit ids: in key order each table's keys are one unbroken run, and
// all of them are in one spill part.
func TestSpillTablesDisjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	day := t0.Truncate(24 * time.Hour)
	times := []time.Time{
		day, day.Add(24*time.Hour - 1), day.Add(-1), time.Unix(-5, 0), {},
		day.Add(time.Duration(rng.Int64N(int64(24 * time.Hour)))),
	}
	var keys [][]byte
	for range 20000 {
		at := times[rng.IntN(len(times))]
		if rng.IntN(2) == 0 {
			at = day.Add(time.Duration(rng.Int64N(int64(72*time.Hour))) - 24*time.Hour)
		}
		b := storefmt.BucketOf(at)
		hi, lo := rng.Uint64(), rng.Uint64()
		if rng.IntN(4) == 0 {
			hi = 0
		}
		var k []byte
		switch rng.IntN(3) {
		case 0:
			k = storefmt.AppendTraceKey(nil, b, hi, lo, at, rng.Uint64(), rng.Int64())
		case 1:
			k = storefmt.AppendLowKey(nil, b, lo, hi)
		default:
			k = storefmt.AppendTimeKey(nil, storefmt.SpaceUntraced, b, at, rng.Uint64(), rng.Int64())
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, bytes.Compare)
	done := map[uint64]bool{}
	partOf := map[uint64]int{}
	var cur uint64
	for i, k := range keys {
		p, tb := spillPart(k)
		if q, ok := partOf[tb]; ok && q != p {
			t.Fatalf("table %x has keys in spill parts %d and %d", tb, q, p)
		}
		partOf[tb] = p
		if i > 0 && tb != cur {
			if done[tb] {
				t.Fatalf("table %x starts again at key %x: it overlaps table %x", tb, k, cur)
			}
			done[cur] = true
		}
		cur = tb
	}
	if len(partOf) < 100 {
		t.Errorf("only %d tables: the keys do not exercise the parts", len(partOf))
	}
}
