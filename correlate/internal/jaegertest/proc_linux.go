package jaegertest

import "syscall"

// sysProcAttr makes the kernel kill Jaeger if the test binary dies without
// running its cleanups (a panic in another goroutine, a timeout kill), so
// no Jaeger outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
