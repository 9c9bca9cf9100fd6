package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store/pebblestore"
)

const killChildEnv = "CORRELATE_INGEST_KILL_CHILD"

// runKillChild follows a log into a store until it is killed: the process
// the kill -9 test re-executes this test binary as.
func runKillChild(spec string) {
	data, rest, _ := strings.Cut(spec, "|")
	log, mode, _ := strings.Cut(rest, "|")
	// bulk is how `correlate index` opens the store
	st, err := pebblestore.Open(data, pebblestore.Options{DisableWAL: mode != "wal", BulkLoad: mode == "bulk", BulkRunBytes: 64 << 10, BulkEpochBytes: 512 << 10, MemTableBytes: 1 << 20}) // small: many flushes, runs and epochs
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	cfg := testConfig(log)
	cfg.BatchEntries = 37 // many small batches: more moments to be killed in
	f, err := NewFollower(st, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	if err := f.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// TestKill9 indexes a growing file in a child process, kills it with
// SIGKILL at random moments, restarts it, and checks that every entry is in
// the store exactly once, at its line number.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test runs a child process for a few seconds")
	}
	for _, mode := range []string{"wal", "nowal", "bulk"} {
		t.Run(mode, func(t *testing.T) { testKill9(t, mode) })
	}
}

func testKill9(t *testing.T, mode string) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	data := filepath.Join(dir, "data")
	w := newLineWriter(t, log)
	w.conts = true
	w.write(0, 10)

	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+data+"|"+log+"|"+mode)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	const total = 30000
	writerDone := make(chan struct{})
	wrng := rand.New(rand.NewPCG(uint64(seed), 2))
	go func() {
		defer close(writerDone)
		rng := wrng
		for seq := 10; seq < total; {
			n := 1 + rng.IntN(300)
			if seq+n > total {
				n = total - seq
			}
			if rng.IntN(4) == 0 {
				w.writeSplit(seq) // a line written in two pieces
				seq++
				continue
			}
			w.write(seq, seq+n)
			seq += n
			time.Sleep(time.Duration(rng.IntN(3)) * time.Millisecond)
		}
	}()
	kills := 0
	cmd := start()
	for {
		time.Sleep(time.Duration(30+rng.IntN(250)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		kills++
		select {
		case <-writerDone:
			if kills >= 8 {
				break
			}
			cmd = start()
			continue
		default:
			cmd = start()
			continue
		}
		break
	}
	// once more after the writer is done, then kill it again
	cmd = start()
	time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	kills++
	t.Logf("%d kills", kills)

	st := openStore(t, data)
	defer st.Close()
	if cps, _ := st.Checkpoints(context.Background()); len(cps) == 1 {
		t.Logf("the children got to line %d; the final run reads the rest", cps[0].Line)
	}
	if _, err := Index(context.Background(), st, testConfig(log)); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st)
	bad := 0
	for seq := 0; seq < total && bad < 20; seq++ {
		s := got[seq]
		if len(s) != 1 || s[0].line != w.lineOf(seq) {
			t.Errorf("seq %d: got %v, want once at line %d", seq, s, w.lineOf(seq))
			bad++
		}
	}
	if len(got) != total {
		t.Errorf("%d entries, want %d", len(got), total)
	}
}

// writeSplit appends one entry in two writes with a pause between.
func (w *lineWriter) writeSplit(seq int) {
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		w.t.Error(err)
		return
	}
	defer f.Close()
	l := seqLine(seq) + "\n"
	cut := len(l) / 2
	f.WriteString(l[:cut])
	time.Sleep(2 * time.Millisecond)
	f.WriteString(l[cut:])
	w.lines[seq] = w.line
	w.line++
}
