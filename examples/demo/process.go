package demo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// process is one program the demo started, in its own process group, with
// its output in a file of the run folder.
type process struct {
	name    string
	cmd     *exec.Cmd
	outPath string
	done    chan struct{} // closed once the process is reaped
	err     error         // its exit status, valid after done
}

func startProcess(name, outPath string, env []string, bin string, args ...string) (*process, error) {
	out, err := os.Create(outPath)
	if err != nil {
		return nil, fmt.Errorf("demo: %s output: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = env
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("demo: start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, outPath: outPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	return p, nil
}

// pid is the process id, which is also its process group id.
func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *process) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	signalGroup(p.cmd, false)
	select {
	case <-p.done:
	case <-time.After(grace):
		signalGroup(p.cmd, true)
		<-p.done
	}
}

// tail is the end of the process's output, for error messages.
func (p *process) tail() string {
	b, _ := os.ReadFile(p.outPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// waitReady polls url until it answers 2xx, p exits, or timeout passes.
func waitReady(ctx context.Context, p *process, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		if req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil); err == nil {
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					return nil
				}
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("demo: %s exited while starting (%v); its output (%s) ends:\n%s", p.name, p.err, p.outPath, p.tail())
		case <-ctx.Done():
			return fmt.Errorf("demo: %s not ready at %s after %v; its output (%s) ends:\n%s", p.name, url, timeout, p.outPath, p.tail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// build runs `go build -o out pkg` in dir.
func build(ctx context.Context, dir, out, pkg string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("demo: go build %s (in %s): %w\n%s", pkg, dir, err, stderr.String())
	}
	return nil
}
