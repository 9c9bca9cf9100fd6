//go:build !linux || !cgo

package pebblestore

// releaseFreed does nothing where C's heap is not tuned (malloc_linux.go).
func releaseFreed() {}
