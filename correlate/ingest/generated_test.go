package ingest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/traceline/traceline/correlate/internal/loggen"
	"github.com/traceline/traceline/correlate/store"
)

// TestIndexGenerated indexes the generator's mix of formats and checks every
// trace against the ground truth.
func TestIndexGenerated(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	truth, err := loggen.Generate(loggen.Config{Dir: filepath.Join(dir, "logs"), Entries: 20000, Seed: 7, Stacks: true})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, filepath.Join(dir, "data"))
	defer st.Close()
	stats, err := Index(ctx, st, testConfig(filepath.Join(dir, "logs")))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Entries != int64(truth.Entries) || stats.Traced != int64(truth.Traced) || stats.Lines != truth.Lines {
		t.Errorf("indexed %d entries (%d traced) of %d lines; generated %d (%d traced) of %d lines",
			stats.Entries, stats.Traced, stats.Lines, truth.Entries, truth.Traced, truth.Lines)
	}
	bad := 0
	for i, id := range truth.TraceIDs {
		ids, _ := store.ParseTraceID(id)
		recs, err := st.Logs(ctx, ids...)
		if (err != nil || len(recs) != int(truth.Count[i])) && bad < 10 {
			bad++
			t.Errorf("trace %s: %d records (%v), want %d", id, len(recs), err, truth.Count[i])
		}
	}
}
