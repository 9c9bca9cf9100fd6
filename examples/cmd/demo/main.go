// Command demo runs the clinical ePRO example end to end: it builds the
// services and the correlator, starts Jaeger (bin/jaeger, `make jaeger`),
// the four services and the correlator on free loopback ports, sends a
// burst of questionnaire submissions, and prints where to look, one failing
// request joined with the log lines of all four services, and the coverage
// finding. It is what `make demo` runs:
//
//	cd examples && go run ./cmd/demo [--keep] [--short] [--dir DIR]
//
// Without --keep it stops everything and exits after printing (the run
// folder stays, so the printed correlate commands still work). With --keep
// it keeps everything running until Ctrl-C. --short sends a small burst.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/traceline/traceline/examples/demo"
)

func main() {
	c := demo.DefaultConfig()
	var short, keep bool
	flag.BoolVar(&short, "short", false, "send a small burst (tests, CI)")
	flag.BoolVar(&keep, "keep", false, "keep everything running until Ctrl-C")
	flag.StringVar(&c.Dir, "dir", "", "run folder (default: a new temporary folder)")
	flag.StringVar(&c.Jaeger, "jaeger", "", "Jaeger v2 binary (default: <repo>/bin/jaeger)")
	flag.IntVar(&c.Requests, "requests", c.Requests, "submissions to send at least")
	flag.Float64Var(&c.SampleRatio, "sample", c.SampleRatio, "share of requests the gateway samples")
	flag.Parse()
	if short {
		s := demo.ShortConfig()
		s.Dir, s.Jaeger, s.SampleRatio = c.Dir, c.Jaeger, c.SampleRatio
		c = s
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := demo.Start(ctx, c)
	if err != nil {
		if errors.Is(err, demo.ErrNoJaeger) {
			fmt.Fprintln(os.Stderr, "demo:", err)
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		if d != nil && d.Result().Dir != "" {
			fmt.Fprintf(os.Stderr, "demo: process output is in %s/proc\n", d.Result().Dir)
		}
		os.Exit(1)
	}
	if keep {
		fmt.Println("\nEverything keeps running; Ctrl-C stops it.")
		<-ctx.Done()
		fmt.Println("\nStopping ...")
	}
	d.Close()
	fmt.Printf("Stopped everything the demo started. Logs and correlator data stay in %s\n", d.Result().Dir)
	if !keep {
		fmt.Println("To open the pages above, run it with --keep (it then runs until Ctrl-C).")
	}
}
