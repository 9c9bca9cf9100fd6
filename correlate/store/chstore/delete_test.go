package chstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/clickhousetest"
	"github.com/traceline/traceline/correlate/store"
)

// rowsOf counts the rows each shard's own table holds of an id's low half.
func rowsOf(t *testing.T, c *clickhousetest.Servers, db string, id store.TraceID) []int {
	t.Helper()
	var n []int
	for _, srv := range c.Servers {
		out, err := srv.Query("SELECT count() FROM " + db + ".entries_local WHERE trace_lo = " + strconv.FormatUint(id.Lo, 10))
		if err != nil {
			t.Fatal(err)
		}
		k, _ := strconv.Atoi(strings.TrimSpace(out))
		n = append(n, k)
	}
	return n
}

// TestDeleteTrace deletes one trace of two on a two-shard cluster: its
// lines — full id, 64-bit-only, written twice, and one left on the shard
// that does not own it (as a change of shard count leaves) — are gone from
// both shards' tables when DeleteTrace returns, and the other traces'
// lines remain.
func TestDeleteTrace(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	ctx := context.Background()
	const db = "deletes"
	s := openStore(t, c, db, "")
	a, _ := store.ParseTraceID(traceA) // low half even: shard 0
	b, _ := store.ParseTraceID(traceB)
	other := store.TraceID{Hi: 0x1234, Lo: 0xabcdef01} // shard 1
	if a[0].Lo%2 != 0 {
		t.Fatal("traceA should live on shard 0")
	}
	entries := []store.Entry{
		rec(0, t0, traceA, "", "a first"),
		rec(100, t0.Add(time.Second), "", lowA, "a datadog"),
		rec(200, t0.Add(25*time.Hour), traceA, "", "a next day"),
		rec(300, t0, traceB, "", "b"),
		rec(400, t0, other.String(), "", "other"),
	}
	for i := 0; i < 2; i++ { // a retried batch: duplicate rows until merged
		if err := s.Write(ctx, entries, store.Checkpoint{FileID: 11, Offset: 500}); err != nil {
			t.Fatal(err)
		}
	}
	// A row of traceA on shard 1, where today's placement would not put it.
	row := appendRow(nil, &entries[0], 12, a[0], true)
	if err := s.shards[1].exec(ctx, "INSERT INTO "+db+".entries_local FORMAT JSONEachRow", row); err != nil {
		t.Fatal(err)
	}
	// Shard 0 holds 3 lines twice until a background merge drops a copy.
	if got := rowsOf(t, c, db, a[0]); got[0] < 3 || got[1] != 1 {
		t.Fatalf("before: shards hold %v rows of traceA, want [3–6 1]", got)
	}

	n, err := s.DeleteTrace(ctx, a...)
	if err != nil || n != 3 {
		t.Fatalf("DeleteTrace = %d, %v; want the 3 lines Logs returned", n, err)
	}
	if got := rowsOf(t, c, db, a[0]); got[0] != 0 || got[1] != 0 {
		t.Errorf("after: shards still hold %v rows of traceA", got)
	}
	if _, err := s.Logs(ctx, a...); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Logs after delete: %v, want ErrNotFound", err)
	}
	for _, id := range []store.TraceID{b[0], other} {
		if recs, err := s.Logs(ctx, id); err != nil || len(recs) != 1 {
			t.Errorf("another trace (%s) lost lines: %q, %v", id, msgs(recs), err)
		}
	}
	if _, err := s.DeleteTrace(ctx, a...); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting again: %v, want ErrNotFound", err)
	}
}

// TestDeleteTraceSpooled deletes a trace while some of its lines wait in
// the spool for a shard that is down: the call fails naming the shard, a
// retry once it is back finishes, and the spooled lines never reach
// ClickHouse, while the other trace's spooled lines do.
func TestDeleteTraceSpooled(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	ctx := context.Background()
	const db = "spooldeletes"
	s := openStore(t, c, db, t.TempDir())
	a, _ := store.ParseTraceID(traceA)
	other := store.TraceID{Hi: 0x1234, Lo: 0xabcdef01}
	if err := s.Write(ctx, []store.Entry{rec(0, t0, traceA, "", "a sent")}, store.Checkpoint{FileID: 13, Offset: 100}); err != nil {
		t.Fatal(err)
	}
	c.Servers[1].Kill()
	spooled := []store.Entry{rec(100, t0, traceA, "", "a spooled"), rec(200, t0, other.String(), "", "other spooled")}
	if err := s.Write(ctx, spooled, store.Checkpoint{FileID: 13, Offset: 300}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Spooled(); n != 1 {
		t.Fatalf("%d batches spooled, want 1", n)
	}
	_, err := s.DeleteTrace(ctx, a...)
	var se *ShardError
	if !errors.As(err, &se) || se.Shard != 1 {
		t.Errorf("delete with shard 1 down: %v, want a ShardError naming it", err)
	}
	if err := c.Servers[1].Restart(); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, s)
	// The live shard's lines went in the failed call, and the spooled
	// line was taken out of its batch before the batch was sent.
	if got := rowsOf(t, c, db, a[0]); got[0] != 0 || got[1] != 0 {
		t.Errorf("shards hold %v rows of the deleted trace", got)
	}
	if _, err := s.DeleteTrace(ctx, a...); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retry: %v, want ErrNotFound (nothing left)", err)
	}
	if recs, err := s.Logs(ctx, other); err != nil || len(recs) != 1 {
		t.Errorf("the other trace's spooled line: %q, %v", msgs(recs), err)
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil || len(cps) != 1 || cps[0].Offset != 300 {
		t.Errorf("checkpoints %+v, %v: the spooled batch's checkpoint must survive", cps, err)
	}
}
