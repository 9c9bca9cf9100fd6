package demo

import "testing"

func TestFirstFailures(t *testing.T) {
	text := "t1  a  error: x\n    trace 1\nt2  b  error: y\n    trace 2\nt3  c  error: z\n    trace 3\n"
	tests := []struct {
		n    int
		want string
	}{
		{3, text},
		{5, text},
		{2, "t1  a  error: x\n    trace 1\nt2  b  error: y\n    trace 2\n... 3 failures in all\n"},
		{0, "... 3 failures in all\n"},
	}
	for _, tt := range tests {
		if got := firstFailures(text, tt.n); got != tt.want {
			t.Errorf("firstFailures(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
