//go:build unix

package main

import (
	"os"
	"syscall"
)

// runEngine makes the engine take over this process: same pid, streams
// and signals, and its exit status is correlate's. It returns only when
// the engine cannot be started.
func runEngine(engine string, args []string) error {
	return syscall.Exec(engine, append([]string{"correlate"}, args...), os.Environ())
}
