package pebblestore

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	traceA = "4bf92f3577b34da6a3ce929d0e0e4736"
	lowA   = "a3ce929d0e0e4736"
	traceB = "0af7651916cd43dd8448eb211c80319c"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func rec(off int64, at time.Time, traceID, low, msg string) store.Entry {
	raw := `{"level":"info","msg":"` + msg + `","trace_id":"` + traceID + `"}`
	return store.Entry{Record: parse.Record{
		File: "a.log", Line: off + 1, Offset: off, Time: at, TimePrecision: time.Millisecond,
		Level: "info", Msg: msg, Service: "checkout", Caller: "main.go:12",
		TraceID: traceID, TraceIDLow: low, SpanID: "00f067aa0ba902b7", TraceFlags: "01",
		Raw: raw, Lines: 1,
	}, At: at}
}

func openTest(t *testing.T, dir string, o Options) *Store {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLogs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	entries := []store.Entry{
		rec(0, t0.Add(3*time.Second), traceA, "", "third"),
		rec(100, t0.Add(1*time.Second), traceA, "", "first"),
		rec(200, t0.Add(2*time.Second), traceB, "", "other trace"),
		rec(300, t0.Add(2*time.Second), "", lowA, "datadog decimal line"),
		rec(400, t0.Add(4*time.Second), "", "", "untraced"),
		rec(500, t0.Add(25*time.Hour), traceA, "", "next day"),
	}
	cp := store.Checkpoint{FileID: 7, Path: "a.log", Offset: 600, Line: 601}
	if err := s.Write(ctx, entries, cp); err != nil {
		t.Fatal(err)
	}
	// idempotent: writing the same again adds nothing
	if err := s.Write(ctx, entries, cp); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, Options{ReadOnly: true})
	defer s.Close()

	tests := []struct {
		name string
		id   string
		want []string
		err  error
	}{
		{"full id", traceA, []string{"first", "datadog decimal line", "third", "next day"}, nil},
		{"upper case", "4BF92F3577B34DA6A3CE929D0E0E4736", []string{"first", "datadog decimal line", "third", "next day"}, nil},
		{"low 16 hex", lowA, []string{"first", "datadog decimal line", "third", "next day"}, nil},
		{"decimal low", "11803532876627986230", []string{"first", "datadog decimal line", "third", "next day"}, nil},
		{"other", traceB, []string{"other trace"}, nil},
		{"missing", "11111111111111111111111111111111", nil, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := store.ParseTraceID(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := s.Logs(ctx, ids...)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.Msg)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
	t.Run("record round trip", func(t *testing.T) {
		recs, err := s.Logs(ctx, store.TraceID{Hi: 0x0af7651916cd43dd, Lo: 0x8448eb211c80319c})
		if err != nil {
			t.Fatal(err)
		}
		want := entries[2].Record
		if recs[0] != want {
			t.Errorf("got  %+v\nwant %+v", recs[0], want)
		}
		recs, _ = s.Logs(ctx, store.TraceID{Lo: 0xa3ce929d0e0e4736, Only64: true})
		if recs[1].TraceIDLow != lowA || recs[1].TraceID != "" {
			t.Errorf("low-only record came back as %q/%q", recs[1].TraceID, recs[1].TraceIDLow)
		}
	})
	t.Run("range", func(t *testing.T) {
		var got []string
		err := s.Range(ctx, t0, t0.Add(time.Hour), func(e *store.Entry) bool {
			got = append(got, e.Msg)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		// untraced in time order, then traced by trace id (64-bit-only ids,
		// high half zero, first)
		want := []string{"untraced", "datadog decimal line", "other trace", "first", "third"}
		if len(got) != len(want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("got %q, want %q", got, want)
			}
		}
	})
	t.Run("checkpoints", func(t *testing.T) {
		cps, err := s.Checkpoints(ctx)
		if err != nil || len(cps) != 1 || cps[0].Offset != 600 || cps[0].Line != 601 {
			t.Fatalf("got %+v, %v", cps, err)
		}
	})
}

func TestEmptyAndMissing(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(t.TempDir()+"/nope", Options{ReadOnly: true}); !errors.Is(err, ErrNoStore) {
		t.Errorf("read-only open of a missing folder: %v, want ErrNoStore", err)
	}
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	ids, _ := store.ParseTraceID(traceA)
	if _, err := s.Logs(ctx, ids...); !errors.Is(err, store.ErrEmpty) {
		t.Errorf("empty store: %v, want ErrEmpty", err)
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	defer s.Close()
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
}

func TestExpire(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	old := rec(0, t0, traceA, "", "old")
	mid := rec(100, t0.Add(5*24*time.Hour), traceA, "", "mid")
	newer := rec(200, t0.Add(10*24*time.Hour), traceA, "", "new")
	if err := s.Write(ctx, []store.Entry{old, mid, newer}, store.Checkpoint{FileID: 1}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Expire(ctx, 7*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v; want 1 bucket", n, err)
	}
	ids, _ := store.ParseTraceID(traceA)
	recs, err := s.Logs(ctx, ids...)
	if err != nil || len(recs) != 2 || recs[0].Msg != "mid" {
		t.Fatalf("after expiry: %d records, %v", len(recs), err)
	}
	st, err := s.Stats(ctx)
	if err != nil || st.Buckets != 2 || st.SizeBytes == 0 {
		t.Errorf("stats %+v, %v", st, err)
	}
}

// TestExpireKeeps64BitLookups writes one trace's lines over three days in
// one batch, each in both modes, expires the first day, and looks the
// trace up by its low 64 bits: each remaining day must carry its own
// low-half key, even though the batch saw the trace on an earlier day.
func TestExpireKeeps64BitLookups(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		ctx := context.Background()
		s := openTest(t, t.TempDir(), Options{BulkLoad: bulk, DisableWAL: bulk})
		old := rec(0, t0, traceA, "", "old")
		mid := rec(100, t0.Add(5*24*time.Hour), traceA, "", "mid")
		newer := rec(200, t0.Add(10*24*time.Hour), traceA, "", "new")
		if err := s.Write(ctx, []store.Entry{old, mid, newer}, store.Checkpoint{FileID: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Expire(ctx, 7*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		ids, _ := store.ParseTraceID(traceA[16:]) // the low half alone
		recs, err := s.Logs(ctx, ids...)
		if err != nil || len(recs) != 2 {
			t.Errorf("bulk %v: by the low 64 bits after expiry: %d records, %v; want 2", bulk, len(recs), err)
		}
		s.Close()
	}
}

// TestLowKeysOncePerBatch checks that a batch holds one low-half key per
// trace and day, however many lines the trace has, and that a new batch
// (after a failed one, say) writes it again.
func TestLowKeysOncePerBatch(t *testing.T) {
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	var entries []store.Entry
	for i := range 50 {
		entries = append(entries, rec(int64(i*100), t0.Add(time.Duration(i)*time.Millisecond), traceA, "", "x"))
	}
	count := func(kv *kvSorter) (n int) {
		for _, r := range kv.recs {
			if kv.buf[r.k] == storefmt.SpaceLow {
				n++
			}
		}
		return n
	}
	var kv kvSorter
	s.encodeEntries(&kv, entries, 1)
	s.encodeEntries(&kv, entries, 1) // a second write into the same batch
	if n := count(&kv); n != 1 {
		t.Errorf("one batch: %d low-half keys, want 1", n)
	}
	kv.reset()
	s.encodeEntries(&kv, entries[:1], 1)
	if n := count(&kv); n != 1 {
		t.Errorf("next batch: %d low-half keys, want 1", n)
	}
}

func TestCodec(t *testing.T) {
	tests := []struct {
		name    string
		e       store.Entry
		compact bool
		cut     bool // stored without the id's hex
	}{
		{"traced", rec(5, t0, traceA, "", "hello"), false, true},
		{"no time", rec(5, time.Time{}, traceA, "", "hello"), false, true},
		{"invalid utf8", func() store.Entry { e := rec(5, t0, traceA, "", "bad \xff byte"); return e }(), false, true},
		{"span not hex", func() store.Entry { e := rec(5, t0, traceA, "", "x"); e.SpanID = "zz"; return e }(), false, true},
		{"id starts the line", func() store.Entry { e := rec(5, t0, traceA, "", "x"); e.Raw = traceA + " x"; return e }(), false, true},
		{"id ends the line", func() store.Entry { e := rec(5, t0, traceA, "", "x"); e.Raw = "x " + traceA; return e }(), false, true},
		{"id twice", func() store.Entry { e := rec(5, t0, traceA, "", "x"); e.Raw = "x " + traceA + " " + traceA; return e }(), false, true},
		{"upper-case id", func() store.Entry {
			e := rec(5, t0, traceA, "", "x")
			e.Raw = "trace_id=" + strings.ToUpper(traceA) + " msg=x"
			return e
		}(), false, false},
		{"64-bit id", rec(5, t0, "00000000000000000123456789abcdef", "", "legacy"), false, false},
		{"compact", rec(5, t0, "", "", "untraced message"), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var scratch parse.Record
			var id *[2]uint64
			if tid, ok := store.TraceIDFromRecord(tt.e.TraceID, tt.e.TraceIDLow); ok && !tt.compact {
				id = &[2]uint64{tid.Hi, tid.Lo}
			}
			v := storefmt.AppendEntry(nil, &tt.e, tt.compact, &scratch, id)
			if tt.cut && v[0] != storefmt.CodecFullCut || !tt.cut && v[0] == storefmt.CodecFullCut {
				t.Errorf("stored as version %d; cut id %v", v[0], tt.cut)
			}
			var got store.Entry
			if err := storefmt.DecodeEntry(&got, v, tt.e.At, tt.e.Offset, id); err != nil {
				t.Fatal(err)
			}
			want := tt.e
			if tt.compact {
				want.Raw, want.SpanID, want.TraceFlags = "", "", ""
			}
			if got.Record != want.Record {
				t.Errorf("got  %+v\nwant %+v", got.Record, want.Record)
			}
		})
	}
}

// TestCodecTruncated decodes every prefix of a stored entry with its trace
// id cut out: each is an error (or, for the whole value, the entry), never
// a panic or an out-of-range slice.
func TestCodecTruncated(t *testing.T) {
	e := rec(5, t0, traceA, "", "hello")
	tid, _ := store.TraceIDFromRecord(e.TraceID, e.TraceIDLow)
	id := &[2]uint64{tid.Hi, tid.Lo}
	var scratch parse.Record
	v := storefmt.AppendEntry(nil, &e, false, &scratch, id)
	if v[0] != storefmt.CodecFullCut {
		t.Fatalf("stored as version %d, want %d", v[0], storefmt.CodecFullCut)
	}
	for n := 0; n < len(v); n++ {
		var got store.Entry
		if err := storefmt.DecodeEntry(&got, v[:n], e.At, e.Offset, id); err == nil && got.Record == e.Record {
			t.Errorf("%d of %d bytes decoded to the whole entry", n, len(v))
		}
	}
	var got store.Entry
	if err := storefmt.DecodeEntry(&got, v, e.At, e.Offset, nil); err == nil {
		t.Error("a cut entry decoded without the key's id")
	}
	bad := append([]byte{storefmt.CodecFullCut}, binary.AppendUvarint(nil, 1<<40)...)
	if err := storefmt.DecodeEntry(&got, append(bad, v[2:]...), e.At, e.Offset, id); err == nil {
		t.Error("a cut offset past the line decoded")
	}
}
