package pebblestore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

func TestDeleteTrace(t *testing.T) {
	st, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	day := time.Date(2026, 11, 23, 23, 59, 0, 0, time.UTC)
	entry := func(off int64, tid string, at time.Time) store.Entry {
		return store.Entry{Record: parse.Record{File: "a.log", Line: off + 1, Offset: off, TraceID: tid, Time: at, Msg: "m", Raw: "m"}, At: at}
	}
	const gone, kept = "0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736"
	entries := []store.Entry{
		entry(0, gone, day), entry(10, kept, day), entry(20, gone, day.Add(2*time.Minute)), // two time buckets
	}
	if err := st.Write(ctx, entries, store.Checkpoint{FileID: 1, Fingerprint: 1, Path: "a.log", Offset: 30, Line: 4}); err != nil {
		t.Fatal(err)
	}
	ids, _ := store.ParseTraceID(gone)
	n, err := st.DeleteTrace(ctx, ids...)
	if err != nil || n != 2 {
		t.Fatalf("DeleteTrace = %d, %v; want 2", n, err)
	}
	if _, err := st.Logs(ctx, ids...); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted trace still found: %v", err)
	}
	low, _ := store.ParseTraceID(gone[16:])
	if _, err := st.Logs(ctx, low...); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted trace still found by its low 64 bits: %v", err)
	}
	keptIDs, _ := store.ParseTraceID(kept)
	if recs, err := st.Logs(ctx, keptIDs...); err != nil || len(recs) != 1 {
		t.Errorf("another trace was touched: %d, %v", len(recs), err)
	}
}
