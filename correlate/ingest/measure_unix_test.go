//go:build unix

package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestMeasureIdleCPU measures the CPU time a Follower takes, with the
// defaults, over a folder of 2,000 files and 200 rotated .gz files of
// which none changes: what following them costs while nothing happens. It
// is a measurement, not a check: run it with CORRELATE_MEASURE=1.
func TestMeasureIdleCPU(t *testing.T) {
	if os.Getenv("CORRELATE_MEASURE") == "" {
		t.Skip("a measurement: set CORRELATE_MEASURE=1")
	}
	const files, gzips = 2000, 200
	dir := t.TempDir()
	for i := range files {
		appendLines(t, filepath.Join(dir, fmt.Sprintf("svc-%04d.log", i)), i*10, i*10+5)
	}
	for i := range gzips {
		p := filepath.Join(dir, fmt.Sprintf("old-%04d.log.1", i))
		appendLines(t, p, 100000+i*10, 100000+i*10+5)
		gzipFile(t, p, p+".gz")
		os.Remove(p)
	}
	st := openStore(t, t.TempDir())
	defer st.Close()
	cfg := DefaultConfig()
	cfg.Paths = []string{dir}
	stop := follow(t, st, cfg)
	defer stop()
	waitFor(t, st, 0, 5, time.Minute)
	waitFor(t, st, (files-1)*10, (files-1)*10+5, time.Minute)
	waitFor(t, st, 100000+(gzips-1)*10, 100000+(gzips-1)*10+5, time.Minute)
	time.Sleep(time.Second)
	const idle = 10 * time.Second
	before := cpuTime(t)
	time.Sleep(idle)
	used := cpuTime(t) - before
	t.Logf("%d files and %d .gz, idle %v: %v of CPU, %.1f%% of one core", files, gzips, idle, used.Round(time.Millisecond), 100*used.Seconds()/idle.Seconds())
}

// cpuTime is the user and system time this process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
