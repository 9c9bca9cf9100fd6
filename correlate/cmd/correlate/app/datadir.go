package app

// The data folder: where the index lives, and how lookups reach it (the
// embedded store, or the running service that holds the folder).

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// lookupFlags are the flags of the commands that read an index: the data
// folder and, optionally, the service to ask instead.
type lookupFlags struct {
	data, server string
}

// add declares --data and --server on fs.
func (l *lookupFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&l.data, "data", "", "the index `DIR` (default $CORRELATE_DATA)")
	fs.StringVar(&l.server, "server", "", "ask the running service (correlate serve) at this `URL` instead of opening DIR (default $CORRELATE_SERVER)")
}

// resolve fills what the flags leave empty from $CORRELATE_DATA and
// $CORRELATE_SERVER.
func (l *lookupFlags) resolve(e *Env) {
	if l.data == "" {
		l.data = e.Getenv("CORRELATE_DATA")
	}
	if l.server == "" {
		l.server = e.Getenv("CORRELATE_SERVER")
	}
}

// requireData returns a usage error unless an index can be reached.
func (l *lookupFlags) requireData() error {
	if l.data == "" && l.server == "" {
		return usagef("--data DIR is required (or set CORRELATE_DATA)")
	}
	return nil
}

// dataDir returns the --data value or $CORRELATE_DATA, or a usage error.
func dataDir(e *Env, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if v := e.Getenv("CORRELATE_DATA"); v != "" {
		return v, nil
	}
	return "", usagef("--data DIR is required (or set CORRELATE_DATA)")
}

// openStore opens the embedded store in dir: for writing (index, serve)
// or, with readOnly, for lookups.
func openStore(dir string, readOnly bool, o pebblestore.Options) (*pebblestore.Store, error) {
	o.ReadOnly = readOnly
	st, err := pebblestore.Open(dir, o)
	switch {
	case errors.Is(err, pebblestore.ErrNoStore):
		return nil, fmt.Errorf("no index in %s: run `correlate index --data %s PATH...` first", dir, dir)
	case errors.Is(err, pebblestore.ErrLocked):
		return nil, fmt.Errorf("%s is in use by another correlate process (index or serve); wait for it, or give --server with the service's URL: %w", dir, err)
	}
	return st, err
}

// openReader opens what lookups read: the service --server names, else the
// store in the data folder, or, while a running `correlate serve` holds that
// folder, that service's API.
func openReader(e *Env, l lookupFlags) (store.Reader, func() error, error) {
	noClose := func() error { return nil }
	if l.server != "" {
		r, err := newRemoteReader(l.server, e.Getenv("CORRELATE_TOKEN"))
		return r, noClose, err
	}
	st, err := openStore(l.data, true, pebblestore.Options{})
	if errors.Is(err, pebblestore.ErrLocked) {
		if r, rerr := serverFor(l.data); rerr == nil {
			return r, noClose, nil
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

// Compile-time check: the remote reader answers what the store answers.
var _ store.Reader = (*remoteReader)(nil)
