// Package bench compares Traceline's adapters with the bare loggers, the
// hand-written way of adding trace fields, and peer libraries. It is a module
// of its own so that the peers never enter the library's go.mod.
//
// Run: make bench (see docs/BENCHMARKS.md).
package bench
