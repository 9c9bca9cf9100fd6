package demo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Config is the demo's configuration.
type Config struct {
	// Root is the repository root (the folder holding examples/ and
	// correlate/); empty finds it upwards from the working directory.
	Root string
	// Dir is the run folder (logs, correlator data, Jaeger config, process
	// output); empty makes a new temporary folder. It must be empty or absent.
	Dir string
	// Jaeger is the Jaeger v2 binary; empty is Root/bin/jaeger (make jaeger).
	Jaeger string
	// Requests is how many submissions the burst sends at least; it goes on
	// (up to MaxRequests) until one failing request was sampled and one
	// request was not.
	Requests    int
	MaxRequests int
	// SampleRatio is the gateway's sampling ratio.
	SampleRatio float64
	// TailPercent is the share of error-free traces Jaeger's tail sampling
	// keeps; traces with an error are all kept.
	TailPercent float64
	// DecisionWait is how long Jaeger's tail sampling waits for a trace's
	// spans before deciding.
	DecisionWait time.Duration
	// Settle bounds the wait for spans and log lines to arrive after the
	// burst (exporter batching, tail-sampling decision, log tailing).
	Settle time.Duration
	// Grace is how long a process is given to stop after SIGTERM.
	Grace time.Duration
	// Out receives the report; nil is os.Stdout.
	Out io.Writer
}

// DefaultConfig returns the configuration of `go run ./cmd/demo`.
func DefaultConfig() Config {
	return Config{
		Requests:     40,
		MaxRequests:  400,
		SampleRatio:  0.5,
		TailPercent:  50,
		DecisionWait: 2 * time.Second,
		Settle:       45 * time.Second,
		Grace:        10 * time.Second,
	}
}

// ShortConfig returns DefaultConfig with a small burst, for tests and CI.
func ShortConfig() Config {
	c := DefaultConfig()
	c.Requests = 12
	return c
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if c.Requests <= 0 || c.MaxRequests < c.Requests {
		return fmt.Errorf("demo: Requests %d and MaxRequests %d: need 0 < Requests <= MaxRequests", c.Requests, c.MaxRequests)
	}
	if c.SampleRatio <= 0 || c.SampleRatio >= 1 {
		return fmt.Errorf("demo: SampleRatio %v: need strictly between 0 and 1, so both kinds of request occur", c.SampleRatio)
	}
	if c.TailPercent < 0 || c.TailPercent > 100 {
		return fmt.Errorf("demo: TailPercent %v is outside 0..100", c.TailPercent)
	}
	if c.DecisionWait <= 0 || c.Settle <= 0 || c.Grace <= 0 {
		return errors.New("demo: DecisionWait, Settle and Grace must be positive")
	}
	return nil
}

// findRoot walks up from the working directory to the folder that holds
// both go.mod and examples/go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) && isFile(filepath.Join(dir, "examples", "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("demo: repository root not found above the working directory; set Config.Root")
		}
		dir = parent
	}
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
