package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/traceline/traceline/correlate/server"
)

func TestServeUsage(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no data", nil, []string{"serve"}, "no data folder"},
		{"public without token", nil, []string{"serve", "--data", t.TempDir(), "--listen", "0.0.0.0:0"}, "--token"},
		{"bad jaeger", nil, []string{"serve", "--data", t.TempDir(), "--jaeger", "nope"}, "--jaeger"},
		{"bad env", map[string]string{"CORRELATE_RETENTION": "forever"}, []string{"serve", "--data", t.TempDir()}, "CORRELATE_RETENTION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd("", tt.env, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

// TestServeFollowsAndAnswers runs `correlate serve` in-process on a free
// port: it follows a log file, answers the API, leaves its address in the
// data folder while it runs, and stops cleanly on cancel.
func TestServeFollowsAndAnswers(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "app.log")
	os.WriteFile(logFile, []byte(cliLine1+"\n"+cliLine2+"\n"), 0o644)
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"serve", "--data", data, "--logs", logFile, "--listen", "127.0.0.1:0"},
			&Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	}()
	var info serveInfo
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(data, serveFile)); err == nil && json.Unmarshal(b, &info) == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if info.URL == "" {
		cancel()
		t.Fatalf("serve left no address; stderr: %s", errb.String())
	}
	var logs struct{ Logs []map[string]any }
	for time.Now().Before(deadline) {
		resp, err := http.Get(info.URL + "/api/v1/traces/" + cliTrace + "/logs")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&logs)
			resp.Body.Close()
			if len(logs.Logs) == 2 {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(logs.Logs) != 2 || logs.Logs[0]["msg"] != "first" {
		t.Errorf("followed lines: %v", logs.Logs)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := os.Stat(filepath.Join(data, serveFile)); !os.IsNotExist(err) {
		t.Errorf("the address file outlived the service: %v", err)
	}
	// Its own log lines are JSON lines (written through the slog adapter,
	// which adds trace fields to lines logged inside a traced request).
	first := strings.SplitN(errb.String(), "\n", 2)[0]
	var line map[string]any
	if err := json.Unmarshal([]byte(first), &line); err != nil || line["msg"] != "serving" {
		t.Errorf("own log line %q (%v)", first, err)
	}
}

func TestJaegerUIConfig(t *testing.T) {
	r := runCmd("", nil, "jaeger-ui-config", "--correlator", "http://correlate.internal:8089/")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var cfg struct {
		LinkPatterns []jaegerLinkPattern `json:"linkPatterns"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &cfg); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(cfg.LinkPatterns) == 0 || cfg.LinkPatterns[0].Type != "traces" ||
		cfg.LinkPatterns[0].URL != "http://correlate.internal:8089/trace/#{traceID}" {
		t.Errorf("trace link: %+v", cfg.LinkPatterns)
	}
	for _, p := range cfg.LinkPatterns[1:] {
		if p.Type != "tags" || p.Key == "" || p.URL != "http://correlate.internal:8089/trace/#{traceID}#span-#{spanID}" {
			t.Errorf("span link: %+v", p)
		}
	}
	if r := runCmd("", nil, "jaeger-ui-config", "--correlator", "javascript:alert(1)"); r.code != 2 {
		t.Errorf("a non-http base was accepted: %d", r.code)
	}
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var _ io.Writer = (*syncBuffer)(nil)

// TestServeConfig: flags win over CORRELATE_* variables, which win over
// the defaults; repeated flags keep every value, commas included.
func TestServeConfig(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(t *testing.T, cfg server.Config)
	}{
		{"repeated flags", nil, []string{"--data", "d", "--logs", "a.log", "--logs=b,c.log", "--redact-key", "email", "--redact-key", "ssn",
			"--clickhouse", "http://a:8123", "--clickhouse", "http://b:8123", "--clickhouse-cluster", "c"}, func(t *testing.T, cfg server.Config) {
			if strings.Join(cfg.Logs, "|") != "a.log|b,c.log" || strings.Join(cfg.Redact.Keys, "|") != "email|ssn" ||
				strings.Join(cfg.ClickHouse, "|") != "http://a:8123|http://b:8123" {
				t.Errorf("logs %q, redact keys %q, clickhouse %q", cfg.Logs, cfg.Redact.Keys, cfg.ClickHouse)
			}
		}},
		{"flag over environment", map[string]string{"CORRELATE_DATA": "env", "CORRELATE_RETENTION": "72h"}, []string{"--data", "flag", "--retention", "30d"},
			func(t *testing.T, cfg server.Config) {
				if cfg.Data != "flag" || cfg.Retention != 30*24*time.Hour {
					t.Errorf("data %q, retention %v; want the flags'", cfg.Data, cfg.Retention)
				}
			}},
		{"untraced mode, flag over environment", map[string]string{"CORRELATE_UNTRACED": "none"}, []string{"--data", "d", "--untraced", "full", "--service", "/var/log/gw*=gateway", "--service", "w.log=worker"},
			func(t *testing.T, cfg server.Config) {
				if cfg.Untraced != "full" || strings.Join(cfg.Services, "|") != "/var/log/gw*=gateway|w.log=worker" {
					t.Errorf("untraced %q, services %q", cfg.Untraced, cfg.Services)
				}
			}},
		{"environment over default", map[string]string{"CORRELATE_DATA": "env", "CORRELATE_RETENTION": "72h"}, nil,
			func(t *testing.T, cfg server.Config) {
				if cfg.Data != "env" || cfg.Retention != 3*24*time.Hour || cfg.Listen != server.DefaultConfig().Listen {
					t.Errorf("data %q, retention %v, listen %q", cfg.Data, cfg.Retention, cfg.Listen)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o serveOptions
			fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
			o.addFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := o.config(&Env{Getenv: func(k string) string { return tt.env[k] }}, fs.Args())
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg)
		})
	}
}
