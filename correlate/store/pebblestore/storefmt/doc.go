// Package storefmt is the embedded store's layout on disk: its keys and
// the codec of an entry's value.
//
// It is a package of its own, without Pebble: the keys and the codec are
// the format, package pebblestore the engine that writes and reads them.
package storefmt
