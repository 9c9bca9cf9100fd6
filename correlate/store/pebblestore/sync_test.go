package pebblestore

import (
	"context"
	"testing"

	"github.com/traceline/traceline/correlate/store"
)

// TestWriteSync: a synced write is read back like any other, and a store
// without its write-ahead log refuses one instead of pretending.
func TestWriteSync(t *testing.T) {
	tests := []struct {
		name    string
		o       Options
		wantErr bool
	}{
		{"with the log", Options{}, false},
		{"without the log", Options{DisableWAL: true}, true},
		{"bulk load", Options{DisableWAL: true, BulkLoad: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, t.TempDir(), tt.o)
			defer s.Close()
			err := s.WriteSync(context.Background(), []store.Entry{rec(0, t0, traceA, "", "synced")}, store.Checkpoint{FileID: 1, Offset: 10})
			if (err != nil) != tt.wantErr {
				t.Fatalf("WriteSync: %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			ids, _ := store.ParseTraceID(traceA)
			recs, err := s.Logs(context.Background(), ids...)
			if err != nil || len(recs) != 1 || recs[0].Msg != "synced" {
				t.Errorf("read back %d records (%v)", len(recs), err)
			}
		})
	}
}
