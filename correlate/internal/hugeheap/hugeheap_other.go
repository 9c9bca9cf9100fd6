//go:build !linux

package hugeheap

func madvise(addr, n uintptr, advice int32) int32 { return 0 }
