package chstore

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestAppendJSONString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello", `"hello"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"controls", "a\nb\tc\rd\x00e\x1f", `"a\nb\tc\rd\u0000e\u001f"`},
		{"utf8 kept", "ünï ✓", `"ünï ✓"`},
		{"invalid utf8 kept byte for byte", "bad \xff", "\"bad \xff\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(appendJSONString(nil, tt.in))
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if !strings.Contains(tt.name, "invalid") {
				var back string
				if err := json.Unmarshal([]byte(got), &back); err != nil || back != tt.in {
					t.Errorf("JSON reads back %q, %v", back, err)
				}
			}
		})
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, "plain"},
		{`a\tb\nc\\d`, "a\tb\nc\\d"},
		{`\0\b\f\r\'`, "\x00\b\f\r'"},
		{`trailing\`, `trailing\`},
		{"raw \xff byte", "raw \xff byte"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := unescape([]byte(tt.in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAtSeconds(t *testing.T) {
	tests := []struct {
		name    string
		at      time.Time
		sec, ns uint32
	}{
		{"ordinary", time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC), 1772366400, 5},
		{"before 1970 clamps", time.Date(1960, 1, 1, 0, 0, 0, 7, time.UTC), 0, 0},
		{"after 2106 clamps", time.Date(2200, 1, 1, 0, 0, 0, 7, time.UTC), 1<<32 - 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, ns := atSeconds(tt.at); s != tt.sec || ns != tt.ns {
				t.Errorf("got %d.%d, want %d.%d", s, ns, tt.sec, tt.ns)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		ok   bool
	}{
		{"default", DefaultConfig(), true},
		{"no shard", Config{Database: "x"}, false},
		{"not a URL", Config{Shards: []string{"ch1:8123"}, Database: "x"}, false},
		{"two shards without cluster", Config{Shards: []string{"http://a:8123", "http://b:8123"}, Database: "x"}, false},
		{"two shards", Config{Shards: []string{"http://a:8123", "http://b:8123"}, Cluster: "logs", Database: "x"}, true},
		{"database not an identifier", Config{Shards: []string{"http://a:8123"}, Database: "x; DROP"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.c.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
