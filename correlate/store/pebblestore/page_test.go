package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// TestLogsPage reads a trace page by page: every line exactly once, in the
// order Logs gives, across days, files, a 64-bit id's lines and equal times.
func TestLogsPage(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	for file := uint64(1); file <= 3; file++ {
		var entries []store.Entry
		for i := range 40 {
			at := t0.Add(time.Duration(i) * time.Hour) // two days
			if i%5 == 0 {
				at = t0 // equal times: file and offset decide
			}
			id, low := traceA, ""
			if file == 3 && i%2 == 0 {
				id, low = "", lowA // logged only the low half
			}
			e := rec(int64(i*100), at, id, low, fmt.Sprintf("f%d-%d", file, i))
			e.File = fmt.Sprintf("f%d.log", file)
			entries = append(entries, e)
			entries = append(entries, rec(int64(i*100+50), at, traceB, "", "other"))
		}
		if err := s.Write(ctx, entries, store.Checkpoint{FileID: file, Path: fmt.Sprintf("f%d.log", file)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{traceA, lowA} {
		ids, _ := store.ParseTraceID(id)
		all, err := s.Logs(ctx, ids...)
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 7, 59, len(all), 1000} {
			t.Run(fmt.Sprintf("%s/limit=%d", id, limit), func(t *testing.T) {
				var got []parse.Record
				after := store.Cursor{}
				for pages := 0; ; pages++ {
					if pages > len(all)+1 {
						t.Fatal("the pages never end")
					}
					// The cursor goes through its text form, as a client's would.
					c, err := store.ParseCursor(after.String())
					if err != nil {
						t.Fatal(err)
					}
					pg, err := s.LogsPage(ctx, ids, c, limit)
					if err != nil {
						t.Fatal(err)
					}
					if len(pg.Records) > limit {
						t.Fatalf("a page of %d lines, limit %d", len(pg.Records), limit)
					}
					got = append(got, pg.Records...)
					if !pg.More {
						break
					}
					after = pg.Next
				}
				if len(got) != len(all) {
					t.Fatalf("pages hold %d lines, the trace %d", len(got), len(all))
				}
				for i := range all {
					if got[i].File != all[i].File || got[i].Offset != all[i].Offset {
						t.Fatalf("line %d: %s@%d, want %s@%d", i, got[i].File, got[i].Offset, all[i].File, all[i].Offset)
					}
				}
			})
		}
	}
	ids, _ := store.ParseTraceID("11111111111111111111111111111111")
	if _, err := s.LogsPage(ctx, ids, store.Cursor{}, 10); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown trace: %v", err)
	}
	if _, err := store.ParseCursor("garbage"); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("bad cursor: %v", err)
	}
}
