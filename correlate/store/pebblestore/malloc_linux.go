//go:build linux && cgo

package pebblestore

/*
#include <malloc.h>
*/
import "C"

// Pebble's block cache takes each block (128 KiB in the last level) from
// C's calloc and frees it on eviction. glibc serves a request that large
// with a fresh mmap, or hands the top of its heap back to the kernel once
// enough of it is free, so a lookup that evicts a block and reads another
// faults in ~32 new pages, and a page fault costs ~16 µs on this project's
// VM: a third of a lookup's time went to calloc. Keeping blocks below the
// mmap threshold, and the freed heap with the process, lets a new block
// reuse an old one's memory.
func init() {
	C.mallopt(C.M_MMAP_THRESHOLD, 4<<20)
	C.mallopt(C.M_TRIM_THRESHOLD, 64<<20)
}

// releaseFreed hands the pages of C's heap that are free (blocks evicted
// from the cache, memtables flushed) back to the system. The trim
// threshold above keeps them while the service works; an idle service
// gives them back.
func releaseFreed() { C.malloc_trim(0) }
