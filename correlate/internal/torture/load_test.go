package torture

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/server"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// serveEnv makes the test binary a server child: "DATA|LIVE|ADDRFILE".
const serveEnv = "CORRELATE_TORTURE_SERVE"

// runServe runs the HTTP service over data, following live, as `correlate
// serve` does, and writes its address to addrFile; it stops on SIGTERM.
func runServe(spec string) int {
	parts := strings.SplitN(spec, "|", 3)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg := server.DefaultConfig()
	cfg.Data, cfg.Logs, cfg.Listen = parts[0], []string{parts[1]}, "127.0.0.1:0"
	cfg.PollInterval = 50 * time.Millisecond
	st, err := pebblestore.Open(cfg.Data, pebblestore.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve child:", err)
		return 3
	}
	defer st.Close()
	srv, err := server.New(cfg, st, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err == nil {
		err = srv.Start(ctx)
	}
	if err == nil {
		err = os.WriteFile(parts[2], []byte(srv.Addr()), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve child:", err)
		return 3
	}
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "serve child:", err)
		return 3
	}
	return 0
}

// TestLoad sends concurrent lookups over loopback to the service, running
// in a child process, while it follows files written as fast as the
// writer can. Every answer must be 200 or, for a trace not indexed yet,
// 404; anything else, or a transport error, is an error. TORTURE=long
// sends more.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("the load test runs a server process for a few seconds")
	}
	requests, workers, entries := 3000, 16, 100000
	if os.Getenv("TORTURE") == "long" {
		requests, workers, entries = 50000, 64, 1000000
	}
	dir := t.TempDir()
	stage, live, data := filepath.Join(dir, "stage"), filepath.Join(dir, "live"), filepath.Join(dir, "data")
	w, err := NewWriter(stage, live, WriterConfig{Entries: entries, Seed: 42, RotateEvery: 20000, MaxChunk: 200})
	if err != nil {
		t.Fatal(err)
	}
	addrFile := filepath.Join(dir, "addr")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"="+data+"|"+live+"|"+addrFile)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("server child: %v", err)
		}
	}()
	var addr []byte
	for deadline := time.Now().Add(time.Minute); len(addr) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the server child did not start in a minute")
		}
		addr, _ = os.ReadFile(addrFile)
		time.Sleep(10 * time.Millisecond) // polling a file, bounded by the deadline
	}
	base := "http://" + string(addr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	writerDone := make(chan error, 1)
	go func() { // full rate: no pacing
		for ctx.Err() == nil {
			more, err := w.Step()
			if err != nil || !more {
				writerDone <- err
				return
			}
		}
		writerDone <- nil
	}()

	ids := w.truth.TraceIDs
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      []string
		found     int
		wg        sync.WaitGroup
	)
	jobs := make(chan string)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range jobs {
				start := time.Now()
				resp, err := client.Get(u)
				code := 0
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				d := time.Since(start)
				mu.Lock()
				latencies = append(latencies, d)
				switch {
				case err != nil:
					errs = append(errs, err.Error())
				case code == http.StatusOK:
					found++
				case code != http.StatusNotFound:
					errs = append(errs, fmt.Sprintf("%s: %d", u, code))
				}
				mu.Unlock()
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	for i := range requests {
		id := ids[rng.IntN(len(ids))]
		u := base + "/api/v1/traces/" + id + "/logs"
		if i%2 == 1 {
			u = base + "/api/v1/traces/" + id // the joined view: logs only, no Jaeger here
		}
		jobs <- u
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	cancel()
	werr := <-writerDone
	written := w.Written() // after the writer goroutine has ended
	if err := werr; err != nil {
		t.Fatal(err)
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	t.Logf("%d lookups from %d workers in %v (%.0f/s) while %d lines were written: p50 %v, p99 %v, max %v; %d found, %d not yet indexed, %d errors",
		len(latencies), workers, elapsed.Round(time.Millisecond), float64(len(latencies))/elapsed.Seconds(), written,
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), latencies[len(latencies)-1].Round(time.Microsecond),
		found, len(latencies)-found-len(errs), len(errs))
	if len(errs) > 0 {
		t.Errorf("%d errors, first: %s", len(errs), errs[0])
	}
}
