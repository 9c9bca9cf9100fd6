package ingest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDiscoverCadence: a Follower looks for new files every
// DiscoverInterval, not on every poll, but at once when a file it follows
// is truncated, renamed or removed: the lines that a copytruncate leaves
// only in the copy are read within a few polls, and a new file's within
// DiscoverInterval.
func TestDiscoverCadence(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "app.log")
	appendLines(t, live, 1, 101)
	st := openStore(t, t.TempDir())
	defer st.Close()
	cfg := testConfig(dir)
	cfg.DiscoverInterval = 3 * time.Second
	stop := follow(t, st, cfg)
	defer stop()
	waitFor(t, st, 1, 101, 5*time.Second)

	// copytruncate: seq 101..150 are written and rotated before a poll
	// reads them, so they are only in the copy
	body, _ := os.ReadFile(live)
	for i := 101; i < 151; i++ {
		body = append(append(body, seqLine(i)...), '\n')
	}
	if err := os.WriteFile(live+".1", body, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(live, 0); err != nil {
		t.Fatal(err)
	}
	if took := waitFor(t, st, 101, 151, 5*time.Second); took > cfg.DiscoverInterval/3 {
		t.Errorf("the copy's lines took %v, want a few polls: a truncation is a rotation", took)
	}

	other := filepath.Join(dir, "other.log")
	appendLines(t, other, 1001, 1011)
	took := waitFor(t, st, 1001, 1011, 2*cfg.DiscoverInterval)
	if took > cfg.DiscoverInterval+time.Second {
		t.Errorf("a new file's lines took %v, want within DiscoverInterval (%v)", took, cfg.DiscoverInterval)
	}
	stop()
	wantOnce(t, collect(t, st), [][2]int{{1, 151}, {1001, 1011}})
}
