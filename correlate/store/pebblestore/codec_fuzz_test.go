package pebblestore

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// FuzzCodecRoundTrip reads the fuzzer's lines through the Assembler, as
// ingest does, and stores and reads back every record through the entry
// codec: what a lookup returns must be the record that was indexed, field
// for field. The codec keeps only the line and what a fresh parse of it
// does not give back (trusting records the Assembler marks FromLine), and
// cuts the trace id's hex out of the line, so a parse that disagrees with
// the Assembler, or a cut in the wrong place, shows here. The parser's
// format files are the seeds; they run with every `go test`.
func FuzzCodecRoundTrip(f *testing.F) {
	files, _ := filepath.Glob("../../parse/testdata/formats/*.log")
	for i, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, uint8(i))
		}
	}
	f.Add([]byte(`{"msg":"x","trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736"} 4bf92f3577b34da6a3ce929d0e0e4736`), uint8(0))
	// Times outside what Unix nanoseconds hold came back wrapped (1753 for
	// year 0000) when the codec stored them (here: zone-less times read in
	// a configured zone), until the parser stopped taking them as the
	// entry's time.
	f.Add([]byte("9999-12-31T23:59:59 INFO m\n0000-01-01 00:00:00 x\n"), uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, sel uint8) {
		file := "app.log"
		if sel&1 != 0 {
			file = "/var/log/pods/shop_api-7d9f8_0f3c2a1e/api/0.log"
		}
		var cfg parse.Config
		if sel&2 != 0 {
			cfg.MaxLineBytes = 64
		}
		if sel&4 != 0 {
			cfg.Location = time.FixedZone("CET", 3600)
		}
		if sel&8 != 0 {
			cfg.Services = []parse.PathService{{Pattern: "app.log", Service: "from-path"}}
		}
		a := parse.NewAssembler(file, cfg)
		var recs []parse.Record
		var off, n int64
		for _, line := range bytes.SplitAfter(data, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			n++
			recs = a.Add(recs, bytes.TrimSuffix(line, []byte("\n")), off, n)
			off += int64(len(line))
		}
		recs = a.Flush(recs)
		var scratch parse.Record
		for i := range recs {
			e := store.Entry{Record: recs[i], At: recs[i].Time}
			var id *[2]uint64
			if tid, ok := store.TraceIDFromRecord(e.TraceID, e.TraceIDLow); ok {
				id = &[2]uint64{tid.Hi, tid.Lo}
			}
			v := storefmt.AppendEntry(nil, &e, false, &scratch, id)
			var got store.Entry
			if err := storefmt.DecodeEntry(&got, v, e.At, e.Offset, id); err != nil {
				t.Fatalf("record %d: decode: %v\n%+v", i, err, e.Record)
			}
			want := e.Record
			want.FromLine, got.FromLine = false, false // the Assembler's mark is not stored
			if !got.Time.Equal(want.Time) || got.TimePrecision != want.TimePrecision {
				t.Fatalf("record %d: time %v (%v), want %v (%v)\nraw %q", i, got.Time, got.TimePrecision, want.Time, want.TimePrecision, want.Raw)
			}
			got.Time, want.Time = time.Time{}, time.Time{}
			if got.Record != want {
				t.Fatalf("record %d changed in the store:\ngot  %+v\nwant %+v", i, got.Record, want)
			}
		}
	})
}
