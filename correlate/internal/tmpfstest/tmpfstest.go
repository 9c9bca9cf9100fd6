// Package tmpfstest mounts small tmpfs file systems for tests that need a
// real full disk. Mounting needs root (CAP_SYS_ADMIN): without it a test
// skips locally, with a message saying so, and fails in CI (CI=true).
package tmpfstest

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes at dir (created if missing) for the
// life of the test.
func Mount(t testing.TB, dir string, size int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		msg := fmt.Sprintf("cannot mount a small tmpfs for a real full disk (%v): run as root", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
}

// Resize changes the size of the tmpfs mounted at dir.
func Resize(t testing.TB, dir string, size int) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, fmt.Sprintf("size=%d", size)); err != nil {
		t.Fatal(err)
	}
}
