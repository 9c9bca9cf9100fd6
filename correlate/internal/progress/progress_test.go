package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"bytes small", Bytes(512), "512 B"},
		{"bytes kB", Bytes(1500), "1.5 kB"},
		{"bytes GB", Bytes(2_600_000_000), "2.6 GB"},
		{"count", Count(1234567), "1,234,567"},
		{"count small", Count(12), "12"},
		{"count negative", Count(-1234), "-1,234"},
		{"duration s", Duration(3200 * time.Millisecond), "3.2s"},
		{"duration m", Duration(123 * time.Second), "2m03s"},
		{"duration h", Duration(3723 * time.Second), "1h02m03s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestBar(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, 1000)
	line := b.Line(500, 5000, 2*time.Second)
	for _, want := range []string{"[============>           ]", " 50%", "500 B / 1.0 kB", "2,500 lines/s", "ETA 2.0s"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	now := time.Unix(0, 0)
	b.now = func() time.Time { return now }
	b.Update(1, 1)
	b.Update(2, 2) // within 100 ms: not drawn
	now = now.Add(time.Second)
	b.Update(3, 3)
	b.Finish()
	if n := strings.Count(buf.String(), "\r"); n != 3 {
		t.Errorf("%d redraws (incl. clear), want 3: %q", n, buf.String())
	}
}
