//go:build !unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
)

// runEngine runs the engine as a child with this process's streams and
// exits with its status (no exec(2) here). It returns only when the engine
// cannot be started.
func runEngine(engine string, args []string) error {
	cmd := exec.Command(engine, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt) // the child, in the same console, gets it
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, &exit):
		os.Exit(exit.ExitCode())
	}
	return err
}
