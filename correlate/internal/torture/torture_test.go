package torture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
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
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// childEnv makes the test binary a follower child: "DATA|LIVE".
const childEnv = "CORRELATE_TORTURE_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		data, live, _ := strings.Cut(spec, "|")
		os.Exit(runChild(data, live))
	}
	if spec := os.Getenv(serveEnv); spec != "" {
		os.Exit(runServe(spec))
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
	cfg := followConfig(live)
	if tf, err := os.OpenFile(tracePath(data), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		defer tf.Close()
		pid := os.Getpid()
		cfg.Trace = func(format string, args ...any) {
			fmt.Fprintf(tf, "%s pid %d: %s\n", time.Now().Format("15:04:05.000000"), pid, fmt.Sprintf(format, args...))
		}
	}
	cfg.Progress = func(s ingest.Stats) {
		// the parent tells from these when the child has caught up
		fmt.Printf("progress %d %d\n", s.Lines, s.Entries)
	}
	f, err := ingest.NewFollower(st, cfg)
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
		// a child is killed after a random time in [minLife, maxLife)
		minLife, maxLife time.Duration
	}{
		{"short", false, 20000, 5, 100 * time.Millisecond, 600 * time.Millisecond},
		{"long", true, 400000, 30, 200 * time.Millisecond, 2 * time.Second},
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
			torture(t, tt.entries, tt.kills, tt.minLife, tt.maxLife)
		})
	}
}

// newTortureWriter makes a Writer for cfg in a temporary folder, seeded
// from TORTURE_SEED or the clock, and returns it with the seed and the
// folders it writes (live) and the store goes (data).
func newTortureWriter(t *testing.T, cfg WriterConfig) (w *Writer, seed uint64, live, data string) {
	t.Helper()
	seed = uint64(time.Now().UnixNano())
	if s := os.Getenv("TORTURE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TORTURE_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (TORTURE_SEED=%d replays the writer)", seed, seed)
	dir := t.TempDir()
	live, data = filepath.Join(dir, "live"), filepath.Join(dir, "data")
	cfg.Seed = seed
	w, err := NewWriter(filepath.Join(dir, "stage"), live, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w, seed, live, data
}

// finalPass reads what the followers left with a one-shot ingest.Index,
// then checks the store against w.
func finalPass(t *testing.T, st store.Store, live string, w *Writer) (ingest.Stats, Result) {
	t.Helper()
	stats, err := ingest.Index(context.Background(), st, followConfig(live))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), st, w)
	if err != nil {
		t.Fatal(err)
	}
	return stats, res
}

// tracePath is where the children of a run write ingest's decisions
// (Config.Trace), next to the store's folder.
func tracePath(data string) string { return filepath.Join(filepath.Dir(data), "ingest-trace.log") }

// traceOf returns the lines of the trace at path that name file.
func traceOf(path, file string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(string(b), "\n")
	names := func(l string) bool { return strings.Contains(l, " "+file+" ") }
	idOf := func(l string) string {
		_, rest, _ := strings.Cut(l, " id=")
		id, _, _ := strings.Cut(rest, " ")
		return id
	}
	ids := map[string]bool{} // the file's ids, to follow it under other names
	for _, l := range lines {
		if names(l) {
			ids[idOf(l)] = true
		}
	}
	var out []string
	for _, l := range lines {
		if names(l) || ids[idOf(l)] {
			out = append(out, l)
		}
	}
	if len(out) > 60 {
		out = out[len(out)-60:]
	}
	return strings.Join(out, "\n")
}

// reportFaults fails t with what Check found wrong, if anything.
func reportFaults(t *testing.T, res Result, w *Writer, trace string) {
	t.Helper()
	if res.OK() && res.Written == w.Total() {
		return
	}
	t.Errorf("torture: %v", res)
	for _, e := range res.Examples {
		t.Error(e)
	}
	seen := map[string]bool{}
	for _, e := range res.Extra {
		t.Errorf("around %s at offset %d:\n%s", e.File, e.Offset, around(e.File, e.Offset))
		if trace != "" && !seen[e.File] {
			seen[e.File] = true
			t.Errorf("what the followers did with %s:\n%s", e.File, traceOf(trace, e.File))
		}
	}
}

func torture(t *testing.T, entries, minKills int, minLife, maxLife time.Duration) {
	w, seed, live, data := newTortureWriter(t, WriterConfig{Entries: entries})
	start := time.Now()

	// pace the writer so that its run spans the kills: step i is written
	// no earlier than i/steps of the planned time
	plan := time.Duration(minKills) * (minLife + maxLife) / 2
	steps := max(1, w.Total()/20) // MaxChunk 40: 20 lines a step on average
	writerDone := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			more, err := w.Step()
			if err != nil || !more {
				writerDone <- err
				return
			}
			if ahead := time.Until(start.Add(plan * time.Duration(i) / time.Duration(steps))); ahead > 0 {
				time.Sleep(ahead)
			}
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
		timer := time.NewTimer(minLife + time.Duration(rng.Int64N(int64(maxLife-minLife))))
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

	// the last child is not killed: it runs until it has caught up, then
	// is stopped as a service is (SIGTERM)
	last := exec.Command(os.Args[0], "-test.run=^$")
	last.Env = append(os.Environ(), childEnv+"="+data+"|"+live)
	last.Stderr = os.Stderr
	out, err := last.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := last.Start(); err != nil {
		t.Fatal(err)
	}
	caughtUp := make(chan bool, 1)
	go func() {
		// caught up: nothing new read or written for a second (10 idle flushes)
		sc := bufio.NewScanner(out)
		prev, since := "", time.Now()
		for sc.Scan() {
			if sc.Text() != prev {
				prev, since = sc.Text(), time.Now()
			} else if time.Since(since) > time.Second {
				caughtUp <- true
				io.Copy(io.Discard, out)
				return
			}
		}
		caughtUp <- false
	}()
	select {
	case ok := <-caughtUp:
		if !ok {
			t.Fatal("the last child ended before it caught up")
		}
	case <-time.After(5 * time.Minute):
		last.Process.Kill()
		t.Fatal("the last child did not catch up in 5 minutes")
	}
	if err := last.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := last.Wait(); err != nil {
		t.Fatalf("the last child, stopped with SIGTERM: %v", err)
	}

	// what the followers left unread (nothing, if they did their job) is
	// read by a one-shot pass, so that Check tells loss from lag
	st, err := pebblestore.Open(data, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	byChildren := 0
	if err := st.Range(context.Background(), time.Time{}, time.Time{}, func(*store.Entry) bool { byChildren++; return true }); err != nil {
		t.Fatal(err)
	}
	stats, res := finalPass(t, st, live, w)
	t.Logf("%d kills, rotations %+v, %v writing; the followers indexed %d entries, the one-shot pass after them %d", kills, w.Rotations, writing.Round(time.Millisecond), byChildren, stats.Entries)
	t.Logf("result: %v", res)
	if stats.Entries != 0 {
		t.Errorf("the followers left %d entries unread", stats.Entries)
	}
	reportFaults(t, res, w, tracePath(data))
}

// around shows the lines of file (decompressed, for a .gz) next to byte
// offset off, marking off with "⟦".
func around(file string, off int64) string {
	f, err := os.Open(file)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(file, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err.Error()
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err.Error()
	}
	if off < 0 || off > int64(len(b)) {
		return fmt.Sprintf("offset beyond the file's %d bytes", len(b))
	}
	from := max(0, bytes.LastIndexByte(b[:max(0, int(off)-1)], '\n'))
	if i := bytes.LastIndexByte(b[:from], '\n'); i >= 0 {
		from = i
	}
	to := len(b)
	if i := bytes.IndexByte(b[off:], '\n'); i >= 0 {
		to = int(off) + i + 1
		if j := bytes.IndexByte(b[to:], '\n'); j >= 0 {
			to += j + 1
		}
	}
	return string(b[from:off]) + "⟦" + string(b[off:to])
}
