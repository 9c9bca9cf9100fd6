package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/clickhousetest"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/chstore"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// childServeEnv names the data folder of a server the test binary runs as
// a child process (see TestMain), so that a test can kill it with SIGKILL.
// With childClickHouseEnv ("URL DATABASE") its index is in ClickHouse.
const (
	childServeEnv      = "CORRELATE_TEST_CHILD_SERVE"
	childClickHouseEnv = "CORRELATE_TEST_CHILD_CLICKHOUSE"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childServeEnv); dir != "" {
		serveChild(dir)
		return
	}
	os.Exit(m.Run())
}

// serveChild runs a server over the embedded store in dir, prints its
// address on stdout and serves until it is killed.
func serveChild(dir string) {
	st, err := openChildStore(dir, os.Getenv(childClickHouseEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	TuneRuntime() // as `correlate serve` does
	cfg := DefaultConfig()
	cfg.Data = dir
	cfg.Listen = "127.0.0.1:0"
	srv, err := New(cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := srv.Start(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(srv.Addr())
	select {}
}

// openChildStore opens the embedded store in dir, or with ch ("URL
// DATABASE") ClickHouse with its spool in dir.
func openChildStore(dir, ch string) (store.Store, error) {
	if ch == "" {
		return pebblestore.Open(dir, pebblestore.Options{})
	}
	url, db, _ := strings.Cut(ch, " ")
	cfg := chstore.DefaultConfig()
	cfg.Shards, cfg.Database, cfg.SpoolDir = []string{url}, db, filepath.Join(dir, "spool")
	return chstore.Open(context.Background(), cfg)
}

// startChild starts a server on dir in a child process and returns it and
// its base URL.
func startChild(t *testing.T, dir string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childServeEnv+"="+dir), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child server did not start: %v", err)
	}
	return cmd, "http://" + strings.TrimSpace(addr)
}

// TestPushAcknowledgedSurvivesKill: a push answered 2xx survives a SIGKILL
// of the service sent right after the answer. Pushers send batches, each
// under a trace id of its own, to a service in a child process; as soon as
// some batches are acknowledged the service is killed, and started again
// on the same folder. At the end every acknowledged batch must be in the
// index, whole: the embedded store's, and ClickHouse's.
func TestPushAcknowledgedSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child service 30 times")
	}
	t.Run("embedded", func(t *testing.T) {
		dir := t.TempDir()
		pushAndKill(t, dir, nil, func() store.Store {
			st, err := pebblestore.Open(dir, pebblestore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
	t.Run("clickhouse", func(t *testing.T) {
		c := clickhousetest.Start(t, 1)
		ch := c.URLs()[0] + " durablepush"
		dir := t.TempDir()
		pushAndKill(t, dir, []string{childClickHouseEnv + "=" + ch}, func() store.Store {
			st, err := openChildStore(t.TempDir(), ch)
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
}

// pushAndKill runs the kill rounds against children started with env on
// dir, then checks the acknowledged batches in the store open returns.
func pushAndKill(t *testing.T, dir string, env []string, open func() store.Store) {
	const (
		kills     = 30
		pushers   = 4
		batchSize = 50
	)
	type batch struct{ id string }
	var acked []batch
	var ackedMu sync.Mutex
	var seq atomic.Int64
	for round := range kills {
		cmd, base := startChild(t, dir, env...)
		// Kill after a few acknowledgements: the first one in half of
		// the rounds (a lone push killed right after its 200), a dozen
		// under load in the others.
		killAfter := int64(1)
		if round%2 == 1 {
			killAfter = 1 + rand.Int64N(12)
		}
		var roundAcks atomic.Int64
		killed := make(chan struct{})
		var once sync.Once
		kill := func() {
			once.Do(func() {
				cmd.Process.Signal(syscall.SIGKILL)
				close(killed)
			})
		}
		client := &http.Client{Transport: &http.Transport{}}
		var wg sync.WaitGroup
		n := pushers
		if round%2 == 0 {
			n = 1
		}
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-killed:
						return
					default:
					}
					id := fmt.Sprintf("a1%030x", seq.Add(1))
					var body strings.Builder
					for i := range batchSize {
						fmt.Fprintf(&body, `{"time":"2026-11-24T12:00:%02d.%06dZ","level":"info","msg":"line %d of a pushed batch","trace_id":"%s"}`+"\n", i%60, i, i, id)
					}
					resp, err := client.Post(base+"/api/v1/ingest?source=kill", "application/x-ndjson", strings.NewReader(body.String()))
					if err != nil {
						return // killed under us: not acknowledged
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						continue
					}
					ackedMu.Lock()
					acked = append(acked, batch{id})
					ackedMu.Unlock()
					if roundAcks.Add(1) >= killAfter {
						kill()
						return
					}
				}
			}()
		}
		wg.Wait()
		kill()
		cmd.Wait()
		client.CloseIdleConnections()
	}
	st := open()
	defer st.Close()
	lost, lines := 0, 0
	for _, b := range acked {
		ids, _ := store.ParseTraceID(b.id)
		recs, _ := st.Logs(context.Background(), ids...)
		lines += batchSize
		if len(recs) != batchSize {
			lost += batchSize - len(recs)
		}
	}
	t.Logf("%d kills, %d acknowledged batches (%d lines), %d acknowledged lines lost", kills, len(acked), lines, lost)
	if lost != 0 {
		t.Errorf("%d of %d acknowledged lines lost over %d SIGKILLs", lost, lines, kills)
	}
}

// TestMeasurePushThroughput measures push throughput: 8 pushers send
// batches of 1,000 lines for 5 s. A measurement: CORRELATE_MEASURE=1.
func TestMeasurePushThroughput(t *testing.T) {
	if os.Getenv("CORRELATE_MEASURE") == "" {
		t.Skip("a measurement: set CORRELATE_MEASURE=1")
	}
	_, _, base := startServer(t, nil)
	lines := measurePushes(t, base, 8, 5*time.Second, nil)
	t.Logf("8 pushers, batches of 1000 lines: %.0f lines/s", float64(lines)/5)
}

// measurePushes runs n pushers against base for d and returns the lines
// acknowledged. stop, when set, ends them early.
func measurePushes(t *testing.T, base string, n int, d time.Duration, stop <-chan struct{}) int64 {
	var total atomic.Int64
	return measurePushesInto(t, base, n, d, stop, &total)
}

// measurePushesInto is measurePushes adding to total as it goes.
func measurePushesInto(t *testing.T, base string, n int, d time.Duration, stop <-chan struct{}, total *atomic.Int64) int64 {
	t.Helper()
	var seq atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body strings.Builder
			for time.Now().Before(deadline) {
				if stop != nil {
					select {
					case <-stop:
						return
					default:
					}
				}
				body.Reset()
				id := fmt.Sprintf("b2%030x", seq.Add(1))
				for i := range 1000 {
					fmt.Fprintf(&body, `{"time":"2026-11-24T12:00:%02d.%06dZ","level":"info","msg":"pushed line %d","trace_id":"%s","span_id":"b7ad6b7169203331"}`+"\n", i%60, i, i, id)
				}
				resp, err := http.Post(base+"/api/v1/ingest", "application/x-ndjson", strings.NewReader(body.String()))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					total.Add(1000)
				}
			}
		}()
	}
	wg.Wait()
	return total.Load()
}

// TestMeasureIdleRSS measures the resident memory of a service in a child
// process: at start, right after CORRELATE_MEASURE_LINES (default 5 M)
// pushed lines, and once it has been idle for 45 s and for 150 s.
// A measurement: CORRELATE_MEASURE=1.
func TestMeasureIdleRSS(t *testing.T) {
	if os.Getenv("CORRELATE_MEASURE") == "" {
		t.Skip("a measurement: set CORRELATE_MEASURE=1")
	}
	lines := 5_000_000
	if v := os.Getenv("CORRELATE_MEASURE_LINES"); v != "" {
		fmt.Sscan(v, &lines)
	}
	cmd, base := startChild(t, t.TempDir())
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	rss := func() string {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmRSS:") {
				return strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
			}
		}
		return "?"
	}
	time.Sleep(time.Second)
	start := rss()
	began := time.Now()
	var pushed atomic.Int64
	stop := make(chan struct{})
	go func() {
		for pushed.Load() < int64(lines) {
			time.Sleep(100 * time.Millisecond)
		}
		close(stop)
	}()
	measurePushesInto(t, base, 8, time.Hour, stop, &pushed)
	took := time.Since(began)
	after := rss()
	time.Sleep(45 * time.Second)
	idle45 := rss()
	// Go collects an idle heap once every two minutes and then returns
	// its free pages to the system.
	time.Sleep(105 * time.Second)
	t.Logf("RSS: %s at start, %s after %d pushed lines (%s), %s after 45 s idle, %s after 150 s idle", start, after, pushed.Load(), took.Round(time.Second), idle45, rss())
}
