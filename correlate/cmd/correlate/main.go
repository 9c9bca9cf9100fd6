// Command correlate finds every log line of a trace in the log files of many
// services: it parses the lines of many loggers, indexes them by trace id,
// joins them with the trace's spans from Jaeger, and serves all of it over
// HTTP with a web page.
//
// Install it with
//
//	go install github.com/traceline/traceline/correlate/cmd/correlate@latest
//
// and run `correlate --help` for the commands, `correlate COMMAND --help` for
// one command, and `correlate completion bash|zsh|fish` for shell completion.
// The commands live in package app, one file each.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/traceline/traceline/correlate/cmd/correlate/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, os.Args[1:], app.ProcessEnv())
	stop()
	os.Exit(code)
}
