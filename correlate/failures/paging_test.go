package failures

import (
	"context"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/clickhousetest"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/chstore"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// TestListReadsLinesInPages: a failing trace's lines are counted over
// every page, its first error found on a later page than its first line,
// in the embedded store and in ClickHouse (whose first pages come in one
// request: store.FirstPager).
func TestListReadsLinesInPages(t *testing.T) {
	defer func(n int) { pageLines = n }(pageLines)
	pageLines = 2
	t.Run("embedded", func(t *testing.T) {
		st, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		listsInPages(t, st)
	})
	t.Run("clickhouse", func(t *testing.T) {
		c := clickhousetest.Start(t, 1)
		st, err := chstore.Open(context.Background(), chstore.Config{Shards: c.URLs(), Database: "failures", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		listsInPages(t, st)
	})
}

func listsInPages(t *testing.T, st interface {
	Store
	store.Writer
}) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var es []store.Entry
	for i := range 7 {
		lvl, svc := "info", "gateway"
		if i >= 4 {
			lvl, svc = "error", "worker"
		}
		at := t0.Add(time.Duration(i) * time.Millisecond)
		es = append(es, store.Entry{At: at, Record: parse.Record{File: "a.log", Line: int64(i + 1), Offset: int64(i * 100), Time: at,
			TimePrecision: time.Millisecond, Level: lvl, Msg: "line", Service: svc, TraceID: id, TraceFlags: "01", Raw: "x", Lines: 1}})
	}
	// Written twice: a retried write's copies are not lines of their own.
	for range 2 {
		if err := st.Write(context.Background(), es, store.Checkpoint{FileID: 1, Path: "a.log", Offset: 700}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := List(context.Background(), st, nil, Query{From: t0, To: t0.Add(time.Second)})
	if err != nil || len(res.Failures) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	f := res.Failures[0]
	if f.Lines != 7 || f.ErrorLines != 3 || f.DurationMS != 6 || !f.FirstError.Time.Equal(t0.Add(4*time.Millisecond)) || len(f.Services) != 2 {
		t.Errorf("failure %+v", f)
	}
}
