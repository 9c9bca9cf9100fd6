// Package storefmt is the embedded store's layout on disk: its keys and
// the codec of an entry's value.
//
// It is a package of its own, without Pebble, so that a lookup process
// can read the store's tables itself (see internal/quicklogs) and start in
// a few milliseconds, while the engine (package pebblestore) writes and
// reads the same keys and values through Pebble.
package storefmt
