//go:build unix

package bench

import (
	"syscall"
	"time"
)

// zapProcessCPU returns the CPU time the process has used, user and system,
// on all threads (the GC's included). Benchmarks report it per op beside
// the wall time, because on a shared machine other processes inflate wall
// time far more than the CPU time the code itself needs.
func zapProcessCPU() time.Duration {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
