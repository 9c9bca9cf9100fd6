package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

var sink *[64]byte

func init() {
	if os.Getenv("PF") == "" {
		return
	}
	sink = new([64]byte)
	p := uintptr(unsafe.Pointer(sink))
	if os.Getenv("PF") == "maps" {
		b, _ := os.ReadFile("/proc/self/maps")
		fmt.Fprintf(os.Stderr, "obj %x\n%s", p, b)
		return
	}
	base := p &^ (4<<20 - 1)
	n := uintptr(8 << 20)
	_, _, e := syscall.Syscall(syscall.SYS_MADVISE, base, n, 23)
	fmt.Fprintf(os.Stderr, "obj %x base %x err %v\n", p, base, e)
}
