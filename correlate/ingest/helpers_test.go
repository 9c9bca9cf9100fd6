package ingest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// seqLine is line seq of a test log: JSON, traced unless seq%5 == 0.
func seqLine(seq int) string {
	ts := base.Add(time.Duration(seq) * time.Millisecond).Format(time.RFC3339Nano)
	if seq%5 == 0 {
		return fmt.Sprintf(`{"level":"info","ts":%q,"msg":"seq %d"}`, ts, seq)
	}
	return fmt.Sprintf(`{"level":"info","ts":%q,"msg":"seq %d","trace_id":"%032x","span_id":"%016x"}`, ts, seq, seq/10+1, seq+1)
}

func appendLines(t testing.TB, path string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(seqLine(i))
		b.WriteByte('\n')
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func testConfig(paths ...string) Config {
	c := DefaultConfig()
	c.Paths = paths
	c.PollInterval = 20 * time.Millisecond
	c.DiscoverInterval = 100 * time.Millisecond
	c.IdleFlush = 100 * time.Millisecond
	c.BatchEntries = 64
	return c
}

type seen struct {
	file string
	line int64
}

// collect returns, for each seq number found in the store, where it was.
func collect(t testing.TB, st store.Reader) map[int][]seen {
	t.Helper()
	out := map[int][]seen{}
	err := st.Range(context.Background(), time.Time{}, time.Time{}, func(e *store.Entry) bool {
		n, err := strconv.Atoi(strings.TrimPrefix(e.Msg, "seq "))
		if err != nil {
			t.Errorf("unexpected entry %q", e.Msg)
			return true
		}
		out[n] = append(out[n], seen{e.File, e.Line})
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSeq checks that seq numbers from..to-1 are each in the store once,
// with line number seq-first+1 where first is the seq of the file's line 1
// (lineOf).
func checkSeq(t testing.TB, got map[int][]seen, from, to int, lineOf func(seq int) int64) {
	t.Helper()
	bad := 0
	for i := from; i < to && bad < 10; i++ {
		s := got[i]
		switch {
		case len(s) == 0:
			t.Errorf("seq %d lost", i)
			bad++
		case len(s) > 1:
			t.Errorf("seq %d indexed %d times: %v", i, len(s), s)
			bad++
		case lineOf != nil && s[0].line != lineOf(i):
			t.Errorf("seq %d has line %d, want %d (%s)", i, s[0].line, lineOf(i), s[0].file)
			bad++
		}
	}
	for k := range got {
		if (k < from || k >= to) && bad < 10 {
			t.Errorf("unexpected seq %d", k)
			bad++
		}
	}
}

func openStore(t testing.TB, dir string) *pebblestore.Store {
	t.Helper()
	st, err := pebblestore.Open(dir, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// collectSeq is collect for stores that also hold lines other than seq
// lines (banners): it returns only the seq lines.
func collectSeq(t testing.TB, st store.Reader) map[int][]seen {
	t.Helper()
	out := map[int][]seen{}
	err := st.Range(context.Background(), time.Time{}, time.Time{}, func(e *store.Entry) bool {
		if n, err := strconv.Atoi(strings.TrimPrefix(e.Msg, "seq ")); err == nil && strings.HasPrefix(e.Msg, "seq ") {
			out[n] = append(out[n], seen{e.File, e.Line})
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantOnce fails t unless every seq of each range [from, to) was indexed
// exactly once.
func wantOnce(t testing.TB, got map[int][]seen, ranges [][2]int) {
	t.Helper()
	for _, r := range ranges {
		for seq := r[0]; seq < r[1]; seq++ {
			if len(got[seq]) != 1 {
				t.Fatalf("seq %d indexed %d times, want once: %v", seq, len(got[seq]), got[seq])
			}
		}
	}
}
