package parse

import "testing"

func TestContainerPart(t *testing.T) {
	tests := []struct {
		line, slot string
		last, ok   bool
	}{
		{"2026-11-24T12:00:00.123456789Z stdout P first half", "cri/stdout", false, true},
		{"2026-11-24T12:00:00.123456789Z stderr F the end\r", "cri/stderr", true, true},
		{"2026-11-24T12:00:00.123456789Z stdout F:x tagged", "cri/stdout", true, true},
		{`{"log":"half","stream":"stdout","time":"2026-11-24T12:00:00Z"}`, "docker/stdout", false, true},
		{`{"log":"whole\n","stream":"stderr","time":"2026-11-24T12:00:00Z"}`, "docker/stderr", true, true},
		{`{"log":"an app's own field"}`, "", false, false},
		{"2026-11-24T12:00:00.123456789Z INFO not a container line at all", "", false, false},
		{`{"msg":"json"}`, "", false, false},
	}
	for _, tt := range tests {
		slot, last, ok := ContainerPart([]byte(tt.line))
		if slot != tt.slot || last != tt.last || ok != tt.ok {
			t.Errorf("%q: %q %v %v, want %q %v %v", tt.line, slot, last, ok, tt.slot, tt.last, tt.ok)
		}
	}
}

func TestContainerContent(t *testing.T) {
	tests := []struct{ line, want string }{
		{"2026-11-24T12:00:00.1Z stdout F patient_name:", "patient_name:"},
		{"2026-11-24T12:00:00.1Z stderr P half", "half"},
		{`{"log":"patient_name:\n","stream":"stdout","time":"2026-11-24T12:00:00.1Z"}`, "patient_name:"},
		{"patient_name:", "patient_name:"},
		{"2026-11-24 not cri at all, but long enough", "2026-11-24 not cri at all, but long enough"},
	}
	for _, tt := range tests {
		if got := string(ContainerContent([]byte(tt.line))); got != tt.want {
			t.Errorf("ContainerContent(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}
