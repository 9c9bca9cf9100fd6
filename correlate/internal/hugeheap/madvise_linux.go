//go:build linux

package hugeheap

import "syscall"

// madvise calls madvise(2) and returns its errno, 0 on success.
func madvise(addr, n uintptr, advice int32) int32 {
	_, _, e := syscall.RawSyscall(syscall.SYS_MADVISE, addr, n, uintptr(advice))
	return int32(e)
}
