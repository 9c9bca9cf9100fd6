// Package hugeheap backs the first chunk of the Go heap with transparent huge
// pages. It has no API: importing it for its side effect is all there is.
//
//	import _ "github.com/traceline/traceline/correlate/internal/hugeheap"
//
// Why: on a virtual machine with paravirtualized paging (the Firecracker/PVM
// machines this project is built on) the first touch of a fresh anonymous
// 4 KiB page costs 16–20 µs instead of well under 1 µs, and a short command
// such as "correlate logs" touches a few hundred of them before it prints
// its first line — most of them in the Go heap. One 2 MiB huge page costs
// about as much as ten small ones, so asking for huge pages where the heap
// starts takes several milliseconds off every short command
// (docs/BENCHMARKS.md has the figures).
//
// How: Linux only gives huge pages to a mapping that asked for them
// (MADV_HUGEPAGE) when transparent_hugepage is in its usual "madvise" mode,
// and the Go runtime no longer asks. The runtime maps the heap in 4 MiB
// chunks, so this package asks for the chunk that holds its own first
// allocation, during package initialisation, and collapses (MADV_COLLAPSE)
// the part the runtime has already touched into huge pages. Chunks the heap
// maps later are left as they are: the runtime maps each with a fresh
// mmap, which drops the advice, and re-advising them later measured no faster.
//
// Cost: up to 4 MiB of resident memory at once instead of what the heap's
// start would have touched page by page; nothing else. Both calls are
// advice: an error (an old kernel, huge pages turned off, no free huge page
// at the moment) changes nothing and is ignored. Elsewhere than Linux the
// package does nothing.
package hugeheap

import "unsafe"

const (
	chunk = 4 << 20 // the Go runtime's heap mapping unit (pallocChunkBytes)
	huge  = 2 << 20 // an x86-64 / arm64 huge page

	madvHugepage = 14 // MADV_HUGEPAGE
	madvCollapse = 25 // MADV_COLLAPSE (Linux 6.1)
)

var (
	// first is the package's own first allocation: its address tells
	// which heap chunk the runtime is filling.
	first *[16]byte
	// adviseErr and collapseErr keep the calls' errno values (0 for
	// success) for the tests.
	adviseErr   int32
	collapseErr [chunk / huge]int32
)

func init() {
	first = new([16]byte)
	base := uintptr(unsafe.Pointer(first)) &^ (chunk - 1)
	adviseErr = madvise(base, chunk, madvHugepage)
	// One call per huge page: the kernel stops a collapse at the first
	// huge page it cannot collapse, and one the runtime never touched
	// (no page table yet) is such a page, though the advice above already
	// gives it a huge page on its first touch.
	for i := range collapseErr {
		collapseErr[i] = madvise(base+uintptr(i)*huge, huge, madvCollapse)
	}
}
