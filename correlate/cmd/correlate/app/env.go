package app

import (
	"io"
	"os"
)

// Env is what a command reads and writes, so that tests run commands
// in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StderrFile is os.Stderr when it is the process's (for terminal
	// detection); nil in tests.
	StderrFile *os.File
	Getenv     func(string) string
}

// ProcessEnv returns the Env of the running process: its standard streams
// and environment.
func ProcessEnv() *Env {
	return &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, StderrFile: os.Stderr, Getenv: os.Getenv}
}
