package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// JoinedTrace is the correlator's joined trace (`correlate trace --format
// json`, GET /api/v1/traces/{id}): spans in start order, each with the log
// lines placed under it, and the lines no span could claim.
type JoinedTrace struct {
	TraceID string       `json:"trace_id"`
	Spans   []JoinedSpan `json:"spans"`
	Orphans []LogLine    `json:"orphans"`
}

// JoinedSpan is one span of a JoinedTrace.
type JoinedSpan struct {
	SpanID       string    `json:"span_id"`
	ParentSpanID string    `json:"parent_span_id"`
	Service      string    `json:"service"`
	Name         string    `json:"name"`
	Error        bool      `json:"error"`
	Logs         []LogLine `json:"logs"`
}

// LogLine is one log line as the correlator reports it.
type LogLine struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
	Level   string `json:"level"`
	Msg     string `json:"msg"`
	Service string `json:"service"`
	Match   string `json:"match,omitempty"`  // exact, inferred, ambiguous (span logs)
	Reason  string `json:"reason,omitempty"` // why it is an orphan
}

// LogServices returns the services whose lines are placed under a span of
// their own service.
func (t *JoinedTrace) LogServices() map[string]int {
	got := map[string]int{}
	for _, s := range t.Spans {
		for _, l := range s.Logs {
			if l.Service == s.Service {
				got[s.Service]++
			}
		}
	}
	return got
}

// correlator drives the correlate binary: `correlate serve` when the binary
// has it, else `correlate index` of the log folder before each lookup.
type correlator struct {
	bin    string
	data   string
	logs   string
	jaeger string
	url    string   // serve's base URL; empty when indexing
	proc   *process // serve's process
}

// hasServe reports whether bin implements `correlate serve`: its help names
// the --logs flag and does not call the command unknown.
func hasServe(ctx context.Context, bin string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, "serve", "--help").CombinedOutput()
	s := string(out)
	return strings.Contains(s, "-logs") && !strings.Contains(strings.ToLower(s), "unknown")
}

// refresh brings the index up to date with the log folder (index mode).
func (c *correlator) refresh(ctx context.Context) error {
	if c.url != "" {
		return nil
	}
	_, err := c.run(ctx, "index", "--data", c.data, c.logs)
	return err
}

// traceJSON is the joined trace of id.
func (c *correlator) traceJSON(ctx context.Context, id string) (*JoinedTrace, []byte, error) {
	var raw []byte
	if c.url != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/api/v1/traces/"+id, nil)
		if err != nil {
			return nil, nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, fmt.Errorf("demo: correlator: %w", err)
		}
		raw, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, raw, fmt.Errorf("demo: correlator %s: %s %v", req.URL, resp.Status, err)
		}
	} else {
		var err error
		if raw, err = c.run(ctx, c.args("trace", id, "--format", "json")...); err != nil {
			return nil, raw, err
		}
	}
	var t JoinedTrace
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, raw, fmt.Errorf("demo: joined trace %s: %w", id, err)
	}
	return &t, raw, nil
}

// traceText is `correlate trace` as a user would run it.
func (c *correlator) traceText(ctx context.Context, id string) (string, error) {
	out, err := c.run(ctx, c.args("trace", id)...)
	return string(out), err
}

// coverage is `correlate coverage` on the demo's data. While serve holds
// the data folder the command asks it (serve leaves its address there); a
// correlate that cannot yet is answered from serve's API instead.
func (c *correlator) coverage(ctx context.Context) (header, text string, err error) {
	out, err := c.run(ctx, "coverage", "--data", c.data)
	if err == nil || c.url == "" {
		return "$ correlate coverage", string(out), err
	}
	url := c.url + "/api/v1/coverage"
	req, rerr := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if rerr != nil {
		return "", "", err
	}
	resp, rerr := http.DefaultClient.Do(req)
	if rerr != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var rep coverageReport
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&rep) != nil {
		return "", "", err
	}
	return "GET " + url, rep.Text(), nil
}

// coverageReport is the part of serve's GET /api/v1/coverage the demo
// prints when the CLI cannot.
type coverageReport struct {
	Lines             int `json:"lines"`
	Untraced          int `json:"untraced"`
	UntracedInRequest int `json:"untraced_in_request"`
	Sites             []struct {
		Service  string `json:"service"`
		Key      string `json:"key"`
		InReq    int    `json:"in_request"`
		Traced   int    `json:"traced"`
		Untraced int    `json:"untraced"`
		Example  struct {
			File string `json:"file"`
			Line int    `json:"line"`
			Msg  string `json:"msg"`
		} `json:"untraced_example"`
	} `json:"sites"`
	Notes []string `json:"notes"`
}

// Text renders r in a few lines.
func (r coverageReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d lines, %d without a trace, %d of them written while a traced request was being served\n",
		r.Lines, r.Untraced, r.UntracedInRequest)
	for _, s := range r.Sites {
		fmt.Fprintf(&b, "%s  %s: %d untraced lines inside requests (%d traced)\n    e.g. %s:%d %q\n",
			s.Service, s.Key, s.InReq, s.Traced, s.Example.File, s.Example.Line, s.Example.Msg)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

func (c *correlator) args(cmd, id string, more ...string) []string {
	args := []string{cmd, "--data", c.data, "--jaeger", c.jaeger}
	return append(append(args, more...), id)
}

// command is the command line a user would type for args, for the report.
func (c *correlator) command(args ...string) string {
	return c.bin + " " + strings.Join(args, " ")
}

func (c *correlator) run(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("demo: %s: %w\n%s", c.command(args...), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Text renders t as an indented span tree with each span's lines: the
// report's fallback when `correlate trace` cannot print it.
func (t *JoinedTrace) Text() string {
	var b strings.Builder
	children := map[string][]JoinedSpan{}
	known := map[string]bool{}
	for _, s := range t.Spans {
		known[s.SpanID] = true
	}
	var roots []JoinedSpan
	for _, s := range t.Spans {
		if known[s.ParentSpanID] {
			children[s.ParentSpanID] = append(children[s.ParentSpanID], s)
		} else {
			roots = append(roots, s)
		}
	}
	var walk func(s JoinedSpan, depth int)
	walk = func(s JoinedSpan, depth int) {
		pad := strings.Repeat("  ", depth)
		mark := ""
		if s.Error {
			mark = "  ERROR"
		}
		fmt.Fprintf(&b, "%s%s  %s%s\n", pad, s.Service, s.Name, mark)
		for _, l := range s.Logs {
			fmt.Fprintf(&b, "%s  | %-5s %s  (%s:%d, %s)\n", pad, l.Level, l.Msg, l.File, l.Line, l.Match)
		}
		for _, c := range children[s.SpanID] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	for _, l := range t.Orphans {
		fmt.Fprintf(&b, "orphan: %s %s (%s)\n", l.Service, l.Msg, l.Reason)
	}
	return b.String()
}
