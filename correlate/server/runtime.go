package server

import (
	"os"
	"runtime/debug"
)

// TuneRuntime sets the garbage collector for a process whose main job is
// the service, unless the environment already says (GOGC, GOMEMLIMIT).
// Ingest allocates steadily, and with Go's default GOGC=100 a lookup that
// runs during ingest spends much of its time assisting collections: at
// GOGC=400 the joined-trace API answered a 10,000-line trace in half the
// time while lines were pushed at full speed (docs/BENCHMARKS.md). A
// 1 GiB soft memory limit keeps the larger heap in bounds; Pebble's
// memtables and block cache live outside the Go heap.
func TuneRuntime() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}
