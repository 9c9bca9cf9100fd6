package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := DefaultConfig()
	ok.Data = "/tmp/x"
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"defaults with data", func(*Config) {}, ""},
		{"no data", func(c *Config) { c.Data = "" }, "no data folder"},
		{"public bind without token", func(c *Config) { c.Listen = "0.0.0.0:8089" }, "--token"},
		{"public bind with token", func(c *Config) { c.Listen = "0.0.0.0:8089"; c.Token = "t" }, ""},
		{"public bind insecure", func(c *Config) { c.Listen = ":8089"; c.Insecure = true }, ""},
		{"empty host is every interface", func(c *Config) { c.Listen = ":8089" }, "--token"},
		{"ipv6 loopback", func(c *Config) { c.Listen = "[::1]:8089" }, ""},
		{"bad port", func(c *Config) { c.Listen = "127.0.0.1:http2" }, "bad port"},
		{"bad jaeger url", func(c *Config) { c.Jaeger = "localhost:16686" }, "--jaeger"},
		{"bad redaction pattern", func(c *Config) { c.Redact.Patterns = []string{"("} }, "redaction pattern"},
		{"untraced full", func(c *Config) { c.Untraced = "full" }, ""},
		{"service mapping", func(c *Config) { c.Services = []string{"/var/log/gw*=gateway"} }, ""},
		{"bad service mapping", func(c *Config) { c.Services = []string{"gateway"} }, "want GLOB=NAME"},
		{"bad untraced mode", func(c *Config) { c.Untraced = "raw" }, "want compact, full or none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mutate(&c)
			err := c.Validate()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadFileAndEnv(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "correlate.yaml")
	if err := os.WriteFile(p, []byte("data: /var/lib/correlate\nlogs: [/var/log/a.log]\njaeger: http://127.0.0.1:16686\nretention: 72h\nredact:\n  keys: [patient_name]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	if err := c.LoadFile(p); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CORRELATE_LISTEN": "127.0.0.1:9999", "CORRELATE_LOGS": "/a.log, /b/*.log", "CORRELATE_EXPORT_DELAY": "3s"}
	if err := c.LoadEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if c.Data != "/var/lib/correlate" || c.Retention != 72*time.Hour || c.Listen != "127.0.0.1:9999" || c.ExportDelay != 3*time.Second {
		t.Errorf("config not merged: %+v", c)
	}
	if len(c.Logs) != 2 || c.Logs[1] != "/b/*.log" {
		t.Errorf("logs from env: %q", c.Logs)
	}
	if len(c.Redact.Keys) != 1 {
		t.Errorf("redact keys: %v", c.Redact.Keys)
	}
	if err := os.WriteFile(p, []byte("datta: typo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.LoadFile(p); err == nil || !strings.Contains(err.Error(), "datta") {
		t.Errorf("unknown key not reported: %v", err)
	}
	bad := map[string]string{"CORRELATE_EXPORT_DELAY": "soon"}
	if err := c.LoadEnv(func(k string) (string, bool) { v, ok := bad[k]; return v, ok }); err == nil {
		t.Error("bad duration accepted")
	}
}
