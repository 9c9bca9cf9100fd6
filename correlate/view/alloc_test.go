//go:build !race

package view_test

import (
	"testing"

	"github.com/traceline/traceline/correlate/view"
)

// TestAppendJSONAllocs pins the JSON view at zero allocations into a buffer
// large enough: the service renders big traces without garbage.
func TestAppendJSONAllocs(t *testing.T) {
	j := joined()
	buf := make([]byte, 0, 64<<10)
	if n := testing.AllocsPerRun(100, func() { buf = view.AppendJSON(buf[:0], j) }); n != 0 {
		t.Errorf("AppendJSON: %v allocs, want 0", n)
	}
}
