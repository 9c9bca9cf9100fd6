package torture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// childEnv makes the test binary a follower child: "DATA|LIVE".
const childEnv = "CORRELATE_TORTURE_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		data, live, _ := strings.Cut(spec, "|")
		os.Exit(runChild(data, live))
	}
	os.Exit(m.Run())
}

// followConfig is how the children and the final pass read live: serve's
// defaults with a quicker poll and small batches, so that there are many
// commits to be killed between.
func followConfig(live string) ingest.Config {
	cfg := ingest.DefaultConfig()
	cfg.Paths = []string{live}
	cfg.PollInterval = 20 * time.Millisecond
	cfg.IdleFlush = 100 * time.Millisecond
	cfg.BatchEntries = 97
	return cfg
}

// runChild follows live into the store in data, as `correlate serve`
// does (WAL on), until it is killed or asked to stop.
func runChild(data, live string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	st, err := pebblestore.Open(data, pebblestore.Options{MemTableBytes: 1 << 20})
	if err != nil {
		fmt.Fprintln(os.Stderr, "torture child:", err)
		return 3
	}
	f, err := ingest.NewFollower(st, followConfig(live))
	if err == nil {
		err = f.Run(ctx)
	}
	if cerr := st.Close(); err == nil || err == context.Canceled {
		err = cerr
	}
	if err != nil && err != context.Canceled {
		fmt.Fprintln(os.Stderr, "torture child:", err)
		return 3
	}
	return 0
}

// TestTorture writes rotating logs in every format while a follower child
// indexes them and is killed with SIGKILL at random moments; at the end
// the store must hold every line once, under its trace id. TORTURE=long
// runs the long version (`make torture`); TORTURE_SEED replays a run.
func TestTorture(t *testing.T) {
	tests := []struct {
		name    string
		long    bool
		entries int
		kills   int
	}{
		{"short", false, 20000, 5},
		{"long", true, 400000, 30},
	}
	long := os.Getenv("TORTURE") == "long"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.long != long {
				t.Skipf("TORTURE=%s runs it", map[bool]string{true: "long", false: "(unset)"}[tt.long])
			}
			if testing.Short() && !tt.long {
				t.Skip("the torture test runs child processes for ~20 s")
			}
			torture(t, tt.entries, tt.kills)
		})
	}
}

func torture(t *testing.T, entries, minKills int) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TORTURE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TORTURE_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (TORTURE_SEED=%d replays the writer)", seed, seed)
	dir := t.TempDir()
	stage, live, data := filepath.Join(dir, "stage"), filepath.Join(dir, "live"), filepath.Join(dir, "data")
	w, err := NewWriter(stage, live, WriterConfig{Entries: entries, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()

	// pace the writer so that its run spans the kills (~250 ms apart)
	steps := max(1, w.Total()/20)
	pause := time.Duration(minKills) * 250 * time.Millisecond / time.Duration(steps)
	writerDone := make(chan error, 1)
	go func() {
		for {
			more, err := w.Step()
			if err != nil || !more {
				writerDone <- err
				return
			}
			time.Sleep(pause)
		}
	}()

	rng := rand.New(rand.NewPCG(seed, 3))
	spawn := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+data+"|"+live)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	kills, done := 0, false
	for !done || kills < minKills {
		cmd := spawn()
		timer := time.NewTimer(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		select {
		case err := <-writerDone:
			if err != nil {
				t.Fatal(err)
			}
			done = true
			<-timer.C
		case <-timer.C:
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child ended on its own: %v", err)
			}
		}
		kills++
	}
	writing := time.Since(start)

	// the restart that is not killed: read what the children left
	st, err := pebblestore.Open(data, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stats, err := ingest.Index(context.Background(), st, followConfig(live))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), st, w)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d kills, rotations %+v, %v writing, %d entries left to the final pass", kills, w.Rotations, writing.Round(time.Millisecond), stats.Entries)
	t.Logf("result: %v", res)
	if !res.OK() || res.Written != w.Total() {
		t.Errorf("torture: %v", res)
		for _, e := range res.Examples {
			t.Error(e)
		}
	}
}
