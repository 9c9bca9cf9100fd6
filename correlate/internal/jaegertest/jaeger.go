package jaegertest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeouts of the process life cycle. A cold Jaeger start under a loaded
// machine (other packages compiling and testing) takes a few seconds.
const (
	healthTimeout = 60 * time.Second
	stopTimeout   = 10 * time.Second
	startAttempts = 3 // fresh ports each time, for "address already in use"
)

// Jaeger is one running Jaeger v2 all-in-one process started by Start. Its
// fields are fixed for the life of the test, across Stop and Restart.
type Jaeger struct {
	// Ports are the loopback ports of every endpoint.
	Ports Ports
	// OTLPHTTPEndpoint is host:port of the OTLP/HTTP receiver, as the
	// OpenTelemetry exporter's WithEndpoint takes it.
	OTLPHTTPEndpoint string
	// OTLPGRPCEndpoint is host:port of the OTLP/gRPC receiver.
	OTLPGRPCEndpoint string
	// QueryURL is the base URL of the query service: QueryURL+"/api/v3/traces/ID".
	QueryURL string
	// LogPath is the file that receives Jaeger's stdout and stderr.
	LogPath string

	bin, configPath string
	t               testing.TB

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Option changes how Start runs Jaeger.
type Option interface{ apply(*config) }

type config struct {
	tail *TailSampling
	logs *LogsPipeline
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithTailSampling returns an Option that runs Jaeger's tail_sampling
// processor: traces with an error are kept, and percent of the others.
func WithTailSampling(decisionWait time.Duration, percent float64) Option {
	return optionFunc(func(c *config) { c.tail = &TailSampling{DecisionWait: decisionWait, Percent: percent} })
}

// WithLogsTo returns an Option that adds a logs pipeline to the collector
// Jaeger is: its OTLP receiver takes logs too, and an otlphttp exporter
// (gzip compression, as by default) sends them to endpoint, a URL such as
// http://127.0.0.1:8089/v1/logs, encoded as encoding ("proto" or "json").
func WithLogsTo(endpoint, encoding string) Option {
	return optionFunc(func(c *config) { c.logs = &LogsPipeline{Endpoint: endpoint, Encoding: encoding} })
}

// Binary returns the path of the Jaeger binary the tests use: $JAEGER_BIN,
// else bin/jaeger at the repository root (found by walking up from the
// working directory to the folder holding tools/jaeger/go.mod). ok is false
// when no such file exists.
func Binary() (path string, ok bool) {
	if p := os.Getenv("JAEGER_BIN"); p != "" {
		_, err := os.Stat(p)
		return p, err == nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "bin/jaeger", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", "jaeger", "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "jaeger")
			_, err := os.Stat(p)
			return p, err == nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "bin/jaeger", false
		}
		dir = parent
	}
}

// Start runs a Jaeger v2 all-in-one for the test: memory storage, every
// endpoint on a free loopback port, output to a file in t.TempDir(). It
// returns once Jaeger reports healthy, and stops it in t.Cleanup.
//
// When the binary is missing the test is skipped with a hint to run
// `make jaeger`, except under CI=true, where it fails.
func Start(t testing.TB, opts ...Option) *Jaeger {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o.apply(&cfg)
	}
	bin, ok := Binary()
	if !ok {
		msg := fmt.Sprintf("jaeger binary not found at %s: run `make jaeger` at the repository root (or set JAEGER_BIN)", bin)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	j := &Jaeger{bin: bin, t: t, configPath: filepath.Join(dir, "jaeger.yaml")}
	t.Cleanup(j.Stop)
	var lastErr error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		ports, err := freePorts()
		if err != nil {
			t.Fatal(err)
		}
		j.setPorts(ports)
		j.LogPath = filepath.Join(dir, "jaeger-"+strconv.Itoa(attempt)+".log")
		if err := os.WriteFile(j.configPath, withLogs(Config(ports, cfg.tail), cfg.logs), 0o600); err != nil {
			t.Fatal(err)
		}
		lastErr = j.start()
		if lastErr == nil {
			return j
		}
		j.Stop()
		if !bytes.Contains(j.log(), []byte("address already in use")) {
			break
		}
	}
	t.Fatalf("jaegertest: %v\n--- %s (tail) ---\n%s", lastErr, j.LogPath, tail(j.log(), 4000))
	return nil
}

func (j *Jaeger) setPorts(p Ports) {
	j.Ports = p
	j.OTLPHTTPEndpoint = "127.0.0.1:" + strconv.Itoa(p.OTLPHTTP)
	j.OTLPGRPCEndpoint = "127.0.0.1:" + strconv.Itoa(p.OTLPGRPC)
	j.QueryURL = "http://127.0.0.1:" + strconv.Itoa(p.QueryHTTP)
}

// start launches the process and waits until it is healthy, or has exited,
// or healthTimeout has passed.
func (j *Jaeger) start() error {
	logFile, err := os.OpenFile(j.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(j.bin, "--config", j.configPath)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", j.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(done)
	}()
	j.mu.Lock()
	j.cmd, j.done = cmd, done
	j.mu.Unlock()

	health := "http://127.0.0.1:" + strconv.Itoa(j.Ports.HealthHTTP) + "/status"
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(healthTimeout)
	for {
		select {
		case <-done:
			return fmt.Errorf("jaeger exited during start-up (%s)", cmd.ProcessState)
		default:
		}
		if healthy(client, health) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("jaeger not healthy at %s after %s", health, healthTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func healthy(client *http.Client, url string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Stop stops Jaeger (SIGTERM, then SIGKILL after a grace period) and waits
// for the process to exit. Stopping a stopped Jaeger does nothing. The
// endpoints keep their addresses: lookups now fail as against a Jaeger that
// is down.
func (j *Jaeger) Stop() {
	j.mu.Lock()
	cmd, done := j.cmd, j.done
	j.cmd, j.done = nil, nil
	j.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Restart stops Jaeger if it runs and starts it again on the same ports,
// waiting for health. Memory storage starts empty: traces sent before are
// gone.
func (j *Jaeger) Restart() {
	j.t.Helper()
	j.Stop()
	if err := j.start(); err != nil {
		j.Stop()
		j.t.Fatalf("jaegertest: restart: %v\n--- %s (tail) ---\n%s", err, j.LogPath, tail(j.log(), 4000))
	}
}

func (j *Jaeger) log() []byte {
	b, _ := os.ReadFile(j.LogPath)
	return b
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
