//go:build !unix

package bench

import "time"

// zapProcessCPU is not measured on this platform.
func zapProcessCPU() time.Duration { return 0 }
