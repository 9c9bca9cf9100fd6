package main

// Helpers shared by the commands: errors and exit codes, the data folder,
// trace id arguments.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// usageErr is a wrong command line: exit status 2.
type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

// usagef returns a usage error (exit status 2).
func usagef(format string, args ...any) error {
	return usageErr{fmt.Sprintf(format, args...)}
}

// exitCode prints err (one line) and returns the exit status for it.
func exitCode(w io.Writer, c command, err error) int {
	if err == nil {
		return 0
	}
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	var ue usageErr
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "correlate %s: %s\nUsage: correlate %s %s (see correlate %s --help)\n", c.Name, msg, c.Name, c.Args, c.Name)
		return 2
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(w, "correlate %s: interrupted\n", c.Name)
		return 1
	}
	fmt.Fprintf(w, "correlate %s: %s\n", c.Name, msg)
	return 1
}

// dataFlag declares --data; its value falls back to $CORRELATE_DATA.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", "", "the index `DIR` (default $CORRELATE_DATA)")
}

// dataDir returns the --data value or $CORRELATE_DATA, or a usage error.
func dataDir(e *env, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if v := e.Getenv("CORRELATE_DATA"); v != "" {
		return v, nil
	}
	return "", usagef("--data DIR is required (or set CORRELATE_DATA)")
}

// storeOptions are the Pebble options commands may set.
type storeOptions = pebblestore.Options

// openStore opens the embedded store in dir: for writing (index, serve)
// or, with readOnly, for lookups. Every command opens the store here, so
// that a later change (asking a running `correlate serve` that holds the
// folder) has one place to go.
func openStore(dir string, readOnly bool, o storeOptions) (*pebblestore.Store, error) {
	o.ReadOnly = readOnly
	st, err := pebblestore.Open(dir, o)
	switch {
	case errors.Is(err, pebblestore.ErrNoStore):
		return nil, fmt.Errorf("no index in %s: run `correlate index --data %s PATH...` first", dir, dir)
	case errors.Is(err, pebblestore.ErrLocked):
		return nil, fmt.Errorf("%s is in use by another correlate process (index or serve); wait for it, or set CORRELATE_SERVER to the service's URL: %w", dir, err)
	}
	return st, err
}

// openReader opens what lookups read: the store in dir, or, while a
// running `correlate serve` holds dir (or $CORRELATE_SERVER names one), that
// service's API.
func openReader(ctx context.Context, dir string) (store.Reader, func() error, error) {
	if u := os.Getenv("CORRELATE_SERVER"); u != "" {
		r, err := newRemoteReader(u, os.Getenv("CORRELATE_TOKEN"))
		return r, func() error { return nil }, err
	}
	st, err := openStore(dir, true, storeOptions{})
	if errors.Is(err, pebblestore.ErrLocked) {
		if r, rerr := serverFor(dir); rerr == nil {
			return r, func() error { return nil }, nil
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return st, st.Close, nil
}

// traceIDArg normalises a trace id given on the command line (see
// store.ParseTraceID); a bad id is a usage error.
func traceIDArg(s string) ([]store.TraceID, error) {
	ids, err := store.ParseTraceID(s)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return ids, nil
}

// durationFlag is a time.Duration flag that also takes days ("30d").
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return "0"
	}
	if *f.d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(*f.d/(24*time.Hour))) + "d"
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 {
			return fmt.Errorf("bad duration %q", s)
		}
		*f.d = time.Duration(v) * 24 * time.Hour
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("bad duration %q", s)
	}
	*f.d = v
	return nil
}
