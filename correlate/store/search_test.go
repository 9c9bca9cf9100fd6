package store

import (
	"maps"
	"slices"
	"testing"
)

func TestFields(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want map[string]string
	}{
		{"json", `{"level":"info","msg":"stored","attempt":2,"ok":true,"user":{"id":"u1","roles":["a"]},"none":null}`,
			map[string]string{"level": "info", "msg": "stored", "attempt": "2", "ok": "true", "user.id": "u1", "user.roles": `["a"]`, "none": "null"}},
		{"logfmt", `time=2026-03-01T12:00:00Z level=warn msg="slow call" route=/forms empty=`,
			map[string]string{"time": "2026-03-01T12:00:00Z", "level": "warn", "msg": "slow call", "route": "/forms", "empty": ""}},
		{"quoted with escapes", `msg="a \"b\" c" k=v`, map[string]string{"msg": `a "b" c`, "k": "v"}},
		{"first line only", "{\"k\":\"v\"}\n  at main.go:12", map[string]string{"k": "v"}},
		{"plain text", `INFO something happened`, map[string]string{}},
		{"unterminated quote", `k="open`, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fields(tt.raw); !maps.Equal(got, tt.want) {
				t.Errorf("Fields(%q) = %v, want %v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestExpandLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"error", []string{"error"}, false},
		{"ERROR", []string{"error"}, false},
		{"error+", []string{"dpanic", "error", "fatal", "panic"}, false},
		{"warn+", []string{"dpanic", "error", "fatal", "panic", "warn"}, false},
		{"slow", []string{"slow"}, false},
		{"slow+", nil, true},
		{"", nil, true},
	}
	for _, tt := range tests {
		got, err := ExpandLevel(tt.in)
		slices.Sort(got)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("ExpandLevel(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestContainsFold(t *testing.T) {
	tests := []struct {
		s, sub string
		want   bool
	}{
		{"Database Timeout", "timeout", true},
		{"Database Timeout", "TIMEOUT", true},
		{"Database Timeout", "time out", false},
		{"abc", "", true},
		{"ab", "abc", false},
		{"Ärger im Büro", "ärger", true},
		{"Ärger im Büro", "BÜRO", true},
	}
	for _, tt := range tests {
		if got := containsFold(tt.s, tt.sub); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v", tt.s, tt.sub, got)
		}
	}
}
