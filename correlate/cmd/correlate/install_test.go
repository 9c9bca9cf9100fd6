package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/internal/jaegertest"
)

// result is what one run of the installed binary did.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the binary with args and returns its exit status and output.
func run(t *testing.T, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CORRELATE_DATA=", "CORRELATE_SERVER=", "CORRELATE_JAEGER=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if x, ok := err.(*exec.ExitError); ok {
		code = x.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return result{code, out.String(), errb.String()}
}

// must fails t unless r exited 0.
func (r result) must(t *testing.T, what string) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.code, r.stdout, r.stderr)
	}
	return r
}

// line is a log line as a service writes it through the logging bridge.
func line(traceID, spanID, at, msg string) string {
	return fmt.Sprintf(`{"level":"info","ts":%q,"msg":%q,"service.name":"forms","trace_id":%q,"span_id":%q,"trace_flags":"01"}`,
		at, msg, traceID, spanID)
}

func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInstall installs the command as a user would, `go install` into an
// empty GOBIN, and runs every kind of command with that one binary: index,
// logs, trace against a real Jaeger, and serve (ready, a lookup, stop).
func TestInstall(t *testing.T) {
	gobin := t.TempDir()
	install := exec.Command("go", "install", ".")
	install.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	des, err := os.ReadDir(gobin)
	if err != nil || len(des) != 1 || des[0].Name() != "correlate" {
		t.Fatalf("GOBIN holds %v (%v), want the one binary correlate", des, err)
	}
	bin := filepath.Join(gobin, "correlate")

	help := run(t, bin, "--help").must(t, "correlate --help")
	for _, c := range []string{"parse", "index", "logs", "trace", "find", "coverage", "serve", "jaeger-ui-config", "completion"} {
		if !strings.Contains(help.stdout, "\n  "+c+" ") {
			t.Errorf("correlate --help does not list %s:\n%s", c, help.stdout)
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if r := run(t, bin, "completion", shell).must(t, "completion "+shell); !strings.Contains(r.stdout, "correlate") {
			t.Errorf("completion %s: %q", shell, r.stdout[:min(len(r.stdout), 200)])
		}
	}

	const tid, sid = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	os.Mkdir(logs, 0o755)
	writeLines(t, filepath.Join(logs, "forms.log"),
		line(tid, sid, "2026-03-01T12:00:01Z", "second"),
		`{"level":"info","ts":"2026-03-01T12:00:02Z","msg":"no trace"}`,
		line(tid, sid, "2026-03-01T12:00:00Z", "first"))

	t.Run("index and logs", func(t *testing.T) {
		data := filepath.Join(dir, "idx")
		r := run(t, bin, "index", logs, "--data", data).must(t, "index")
		if !strings.Contains(r.stderr, "indexed 1 files: 3 lines, 3 entries (2 with a trace id)") {
			t.Errorf("index summary: %q", r.stderr)
		}
		r = run(t, bin, "logs", "--data="+data, strings.ToUpper(tid)).must(t, "logs")
		got := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(got) != 2 || !strings.Contains(got[0], `"msg":"first"`) || !strings.Contains(got[1], `"msg":"second"`) {
			t.Errorf("logs: %q, want first then second", r.stdout)
		}
		if r := run(t, bin, "logs", "--data", data, "11111111111111111111111111111111"); r.code != 1 || !strings.Contains(r.stderr, "no such trace") {
			t.Errorf("logs of a missing trace: exit %d, %q", r.code, r.stderr)
		}
		if r := run(t, bin, "logs", "--data", data); r.code != 2 {
			t.Errorf("logs without a trace id: exit %d, want 2", r.code)
		}
	})

	t.Run("trace against Jaeger", func(t *testing.T) {
		j := jaegertest.Start(t) // fails under CI=true without Jaeger
		tp := j.TracerProvider(t, "forms")
		_, span := tp.Tracer("install").Start(context.Background(), "POST /forms", trace.WithSpanKind(trace.SpanKindServer))
		sc := span.SpanContext()
		at := time.Now().UTC().Format(time.RFC3339Nano)
		span.End()
		jaegertest.Flush(t, tp)
		j.WaitForTrace(t, sc.TraceID().String(), 1)

		file := filepath.Join(t.TempDir(), "forms.log")
		writeLines(t, file, line(sc.TraceID().String(), sc.SpanID().String(), at, "form stored"))
		data := filepath.Join(t.TempDir(), "idx")
		run(t, bin, "index", "--data", data, "--quiet", file).must(t, "index")
		r := run(t, bin, "trace", sc.TraceID().String(), "--data", data, "--jaeger", j.QueryURL, "--format", "json").must(t, "trace")
		var doc struct {
			Spans []struct {
				Name string `json:"name"`
				Logs []struct {
					Msg   string `json:"msg"`
					Match string `json:"match"`
				} `json:"logs"`
			} `json:"spans"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("trace --format json: %v\n%s", err, r.stdout)
		}
		if len(doc.Spans) != 1 || doc.Spans[0].Name != "POST /forms" || len(doc.Spans[0].Logs) != 1 ||
			doc.Spans[0].Logs[0].Msg != "form stored" || doc.Spans[0].Logs[0].Match != "exact" {
			t.Errorf("trace: %s\nstderr: %s", r.stdout, r.stderr)
		}
	})

	t.Run("serve", func(t *testing.T) {
		data := filepath.Join(t.TempDir(), "idx")
		cmd := exec.Command(bin, "serve", "--data", data, "--logs", logs, "--listen", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), "CORRELATE_DATA=", "CORRELATE_TOKEN=")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		defer func() {
			cmd.Process.Kill()
			<-exited
		}()
		// "correlate serve: http://127.0.0.1:PORT (data DIR)"
		first, err := bufio.NewReader(stdout).ReadString('\n')
		go func() { io.Copy(io.Discard, stdout); exited <- cmd.Wait() }()
		url, _, _ := strings.Cut(strings.TrimPrefix(first, "correlate serve: "), " ")
		if err != nil || !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("serve's first line %q (%v); stderr:\n%s", first, err, errb.String())
		}
		get := func(path string) (int, string) {
			resp, err := http.Get(url + path)
			if err != nil {
				return 0, err.Error()
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		deadline := time.Now().Add(30 * time.Second)
		for code, _ := get("/readyz"); code != http.StatusOK; code, _ = get("/readyz") {
			if time.Now().After(deadline) {
				t.Fatalf("/readyz never answered 200 (last %d)", code)
			}
			time.Sleep(50 * time.Millisecond)
		}
		var body string
		for code := 0; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if code, body = get("/api/v1/traces/" + tid + "/logs"); code == http.StatusOK && strings.Count(body, `"msg"`) == 2 {
				break
			}
		}
		if !strings.Contains(body, `"first"`) || !strings.Contains(body, `"second"`) {
			t.Fatalf("lookup through the service: %s", body)
		}
		// The folder is the service's now: a lookup on it asks the service.
		if r := run(t, bin, "logs", "--data", data, tid).must(t, "logs while serving"); strings.Count(r.stdout, "\n") != 2 {
			t.Errorf("logs while serving: %q", r.stdout)
		}
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-exited:
			exited <- err // for the deferred wait
			if err != nil {
				t.Errorf("serve stopped with %v; stderr:\n%s", err, errb.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop on SIGINT")
		}
	})
}
