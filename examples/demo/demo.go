package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Services are the example services, in the order they start (the ones
// called first by the others start first).
var Services = []string{"questionnaire", "notify-worker", "data-collection", "epro-api"}

// Result is what a run found.
type Result struct {
	Dir     string `json:"dir"`      // the run folder
	LogDir  string `json:"log_dir"`  // the services' JSON log files, <service>.log
	DataDir string `json:"data_dir"` // the correlator's data folder

	JaegerURL     string `json:"jaeger_url"`     // Jaeger's query API
	CorrelatorURL string `json:"correlator_url"` // `correlate serve`; empty when the binary has no serve
	Correlate     string `json:"correlate"`      // the correlate binary

	Requests  []Request    `json:"requests"`
	Failing   Request      `json:"failing"`    // a sampled request that failed in questionnaire, shown joined
	Unsampled Request      `json:"unsampled"`  // a request the gateway did not sample
	Trace     *JoinedTrace `json:"trace"`      // Failing's joined trace
	TraceText string       `json:"trace_text"` // `correlate trace` of Failing
	Coverage  string       `json:"coverage"`   // `correlate coverage`
	Failures  string       `json:"failures"`   // `correlate failures --since 15m`

	PIDs map[string]int `json:"pids"` // every process started, by name
}

// Demo is a running demo.
type Demo struct {
	cfg   Config
	out   io.Writer
	procs []*process
	res   Result
}

// Start builds what the demo needs, starts Jaeger, the services and the
// correlator, sends the burst and prints the report. The processes keep
// running until Close; on error Start stops what it started.
func Start(ctx context.Context, c Config) (d *Demo, err error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	d = &Demo{cfg: c, out: c.Out, res: Result{PIDs: map[string]int{}}}
	if d.out == nil {
		d.out = os.Stdout
	}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if err := d.prepare(); err != nil {
		return d, err
	}
	corr, err := d.start(ctx)
	if err != nil {
		return d, err
	}
	if err := d.exercise(ctx, corr); err != nil {
		return d, err
	}
	return d, d.writeResult()
}

// ResultFile is the file of the run folder that holds the Result as JSON,
// written once the report is printed, for scripts and the end-to-end test.
const ResultFile = "result.json"

func (d *Demo) writeResult() error {
	b, err := json.MarshalIndent(d.res, "", "  ")
	if err != nil {
		return fmt.Errorf("demo: result: %w", err)
	}
	return os.WriteFile(filepath.Join(d.res.Dir, ResultFile), b, 0o644)
}

// Result returns what the run found.
func (d *Demo) Result() Result { return d.res }

// Close stops every process the demo started: the services first (so they
// flush their last spans), then the correlator, then Jaeger. It waits until
// each is gone. The run folder stays.
func (d *Demo) Close() {
	var services, rest []*process
	for _, p := range d.procs {
		if strings.HasPrefix(p.name, "jaeger") || strings.HasPrefix(p.name, "correlate") {
			rest = append(rest, p)
		} else {
			services = append(services, p)
		}
	}
	var wg sync.WaitGroup
	for _, p := range services {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop(d.cfg.Grace) }()
	}
	wg.Wait()
	for i := len(rest) - 1; i >= 0; i-- {
		rest[i].stop(d.cfg.Grace)
	}
}

// prepare finds the binaries and makes the run folder.
func (d *Demo) prepare() error {
	c := &d.cfg
	if c.Root == "" {
		root, err := findRoot()
		if err != nil {
			return err
		}
		c.Root = root
	}
	if c.Jaeger == "" {
		c.Jaeger = filepath.Join(c.Root, "bin", "jaeger")
	}
	if !isFile(c.Jaeger) {
		return fmt.Errorf("demo: no Jaeger binary at %s: %w", c.Jaeger, ErrNoJaeger)
	}
	if c.Dir == "" {
		dir, err := os.MkdirTemp("", "traceline-demo-")
		if err != nil {
			return fmt.Errorf("demo: run folder: %w", err)
		}
		c.Dir = dir
	} else if entries, err := os.ReadDir(c.Dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("demo: run folder %s is not empty", c.Dir)
	}
	d.res.Dir = c.Dir
	d.res.LogDir = filepath.Join(c.Dir, "logs")
	d.res.DataDir = filepath.Join(c.Dir, "correlator")
	for _, sub := range []string{d.res.LogDir, d.res.DataDir, filepath.Join(c.Dir, "proc")} {
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return fmt.Errorf("demo: run folder: %w", err)
		}
	}
	return nil
}

// ErrNoJaeger is returned by Start when the Jaeger binary is missing
// (build it with `make jaeger`).
var ErrNoJaeger = errors.New("build it with `make jaeger`")

func (d *Demo) printf(format string, args ...any) { fmt.Fprintf(d.out, format, args...) }

func (d *Demo) spawn(name string, env []string, bin string, args ...string) (*process, error) {
	p, err := startProcess(name, filepath.Join(d.cfg.Dir, "proc", name+".out"), env, bin, args...)
	if err != nil {
		return nil, err
	}
	d.procs = append(d.procs, p)
	d.res.PIDs[name] = p.pid()
	return p, nil
}

// start builds and starts everything, and returns the correlator.
func (d *Demo) start(ctx context.Context) (*correlator, error) {
	c := d.cfg
	d.printf("Traceline demo: a clinical ePRO flow on four services and four loggers, all on loopback\n")
	d.printf("  run folder   %s\n", c.Dir)

	bin := filepath.Join(c.Root, "bin")
	epro, corrBin := filepath.Join(bin, "epro"), filepath.Join(bin, "correlate")
	d.printf("  building     %s, %s\n", rel(c.Root, epro), rel(c.Root, corrBin))
	if err := build(ctx, filepath.Join(c.Root, "examples"), epro, "./cmd/epro"); err != nil {
		return nil, err
	}
	if err := build(ctx, filepath.Join(c.Root, "correlate"), corrBin, "./cmd/correlate"); err != nil {
		return nil, err
	}
	d.res.Correlate = corrBin

	ports, err := freePorts(4 + len(Services) + 1)
	if err != nil {
		return nil, err
	}
	jp := jaegerPorts{OTLPHTTP: ports[0], QueryHTTP: ports[1], QueryGRPC: ports[2], Metrics: ports[3]}
	svcPort := map[string]int{}
	for i, s := range Services {
		svcPort[s] = ports[4+i]
	}
	corrPort := ports[4+len(Services)]

	// Jaeger.
	cfgPath := filepath.Join(c.Dir, "jaeger.yaml")
	if err := os.WriteFile(cfgPath, jaegerConfig(jp, c.TailPercent, c.DecisionWait), 0o644); err != nil {
		return nil, fmt.Errorf("demo: Jaeger config: %w", err)
	}
	jaeger, err := d.spawn("jaeger", os.Environ(), c.Jaeger, "--config", "file:"+cfgPath)
	if err != nil {
		return nil, err
	}
	d.res.JaegerURL = fmt.Sprintf("http://127.0.0.1:%d", jp.QueryHTTP)
	if err := waitReady(ctx, jaeger, d.res.JaegerURL+"/api/services", 60*time.Second); err != nil {
		return nil, err
	}
	d.printf("  jaeger       %s  (query API only: this Jaeger build serves no UI; the correlator page is where to look)\n", d.res.JaegerURL)

	// The services, each its own process, exporting spans soon after they end.
	env := append(os.Environ(), "OTEL_BSP_SCHEDULE_DELAY=200")
	otlp := fmt.Sprintf("127.0.0.1:%d", jp.OTLPHTTP)
	url := func(s string) string { return fmt.Sprintf("http://127.0.0.1:%d", svcPort[s]) }
	for _, s := range Services {
		args := []string{s,
			"--listen", fmt.Sprintf("127.0.0.1:%d", svcPort[s]),
			"--otlp", otlp,
			"--log-file", filepath.Join(d.res.LogDir, s+".log"),
		}
		switch s {
		case "data-collection":
			args = append(args, "--db", filepath.Join(c.Dir, "answers.db"), "--questionnaire", url("questionnaire"))
		case "epro-api":
			args = append(args, "--sample", strconv.FormatFloat(c.SampleRatio, 'g', -1, 64),
				"--questionnaire", url("questionnaire"), "--data-collection", url("data-collection"),
				"--notify", url("notify-worker"))
		}
		p, err := d.spawn(s, env, epro, args...)
		if err != nil {
			return nil, err
		}
		if err := waitReady(ctx, p, url(s)+"/healthz", 30*time.Second); err != nil {
			return nil, err
		}
	}
	d.printf("  services     ")
	for _, s := range Services {
		d.printf("%s :%d  ", s, svcPort[s])
	}
	d.printf("\n  logs         %s\n", d.res.LogDir)

	// The correlator.
	corr := &correlator{bin: corrBin, data: d.res.DataDir, logs: d.res.LogDir, jaeger: d.res.JaegerURL}
	if hasServe(ctx, corrBin) {
		listen := fmt.Sprintf("127.0.0.1:%d", corrPort)
		p, err := d.spawn("correlate", os.Environ(), corrBin, "serve", "--data", corr.data, "--logs", corr.logs,
			"--jaeger", corr.jaeger, "--listen", listen, "--insecure")
		if err != nil {
			return nil, err
		}
		corr.url, corr.proc = "http://"+listen, p
		if err := waitReady(ctx, p, corr.url+"/readyz", 30*time.Second); err != nil {
			return nil, err
		}
		d.res.CorrelatorURL = corr.url
		d.printf("  correlator   %s  (correlate serve, tailing the log folder)\n", corr.url)
	} else {
		d.printf("  correlator   %s has no `serve` here: the log folder is indexed with `correlate index`\n", rel(c.Root, corrBin))
	}
	return corr, nil
}

// exercise sends the burst, waits for the spans and lines to arrive, and
// prints what the correlator makes of them.
func (d *Demo) exercise(ctx context.Context, corr *correlator) error {
	c := d.cfg
	gateway := fmt.Sprintf("http://127.0.0.1:%d", d.portOf("epro-api"))
	d.printf("\nSending questionnaire submissions to epro-api (it samples %g%% of requests) ...\n", c.SampleRatio*100)
	reqs, err := burst(ctx, gateway, c.Requests, c.MaxRequests)
	d.res.Requests = reqs
	if err != nil {
		return err
	}
	d.printf("  %s\n", summary(reqs))
	for _, r := range reqs {
		if d.res.Failing.N == 0 && r.Kind == InvalidAnswer && r.Sampled {
			d.res.Failing = r
		}
		if d.res.Unsampled.N == 0 && !r.Sampled {
			d.res.Unsampled = r
		}
	}
	f := d.res.Failing

	d.printf("Waiting for the exporters' batches, Jaeger's tail-sampling decision (%v) and the log lines ...\n", c.DecisionWait)
	t, err := d.settle(ctx, corr, f.TraceID)
	if err != nil {
		return err
	}
	d.res.Trace = t

	failures, err := corr.run(ctx, "failures", "--data", corr.data, "--jaeger", corr.jaeger, "--since", "15m")
	if err != nil {
		return err
	}
	d.res.Failures = string(failures)
	d.printf("\nThe failing requests of the last 15 minutes:\n")
	if d.res.CorrelatorURL != "" {
		d.printf("  page: %s/\n", d.res.CorrelatorURL)
	}
	d.printf("$ correlate failures --since 15m\n%s\n", indent(firstFailures(d.res.Failures, 3)))

	d.printf("\nOne failing request: #%d, %s, answered %d, trace %s\n", f.N, f.Kind, f.Status, f.TraceID)
	if d.res.CorrelatorURL != "" {
		d.printf("  page: %s/trace/%s\n", d.res.CorrelatorURL, f.TraceID)
	}
	header := "$ correlate trace " + f.TraceID
	text, err := corr.traceText(ctx, f.TraceID)
	if err != nil {
		// A correlate whose CLI cannot yet ask a running serve: show the
		// same joined trace from serve's API.
		if corr.url == "" {
			return err
		}
		header = "GET " + corr.url + "/api/v1/traces/" + f.TraceID
		text = t.Text()
	}
	d.res.TraceText = text
	d.printf("\n%s\n%s\n", header, indent(text))

	header, cov, err := corr.coverage(ctx)
	if err != nil {
		return err
	}
	d.res.Coverage = cov
	d.printf("\nThe context dropped on purpose in notify-worker (escalate, started from context.Background()):\n%s\n%s\n", header, indent(cov))

	u := d.res.Unsampled
	d.printf("\nRequest #%d (%s, %d) was not sampled by the gateway: Jaeger has no spans for trace %s,\n", u.N, u.Kind, u.Status, u.TraceID)
	d.printf("but its log lines carry the trace id (trace_flags 00), and the correlator says why it has no spans:\n")
	if ut, _, err := corr.traceJSON(ctx, u.TraceID); err == nil {
		for i, l := range ut.Orphans {
			if i == 4 {
				d.printf("  ... %d lines in all\n", len(ut.Orphans))
				break
			}
			d.printf("  %-15s %-32s [%s]\n", l.Service, l.Msg, l.Reason)
		}
	}
	if d.res.CorrelatorURL != "" {
		d.printf("  page: %s/trace/%s\n", d.res.CorrelatorURL, u.TraceID)
	} else {
		d.printf("  %s\n", corr.command(corr.args("trace", u.TraceID)...))
	}
	return nil
}

// settle waits until Jaeger has the failing trace's spans from all four
// services and the correlator has placed lines of all four under them, or
// Settle passes (then the report shows what there is).
func (d *Demo) settle(ctx context.Context, corr *correlator, traceID string) (*JoinedTrace, error) {
	deadline := time.Now().Add(d.cfg.Settle)
	for {
		counts, err := traceServices(ctx, d.res.JaegerURL, traceID)
		if err == nil && len(counts) >= len(Services) {
			break
		}
		if time.Now().After(deadline) {
			d.printf("  warning: after %v Jaeger has spans of %d services for %s (%v)\n", d.cfg.Settle, len(counts), traceID, err)
			break
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return nil, err
		}
	}
	for {
		var t *JoinedTrace
		err := corr.refresh(ctx)
		if err == nil {
			t, _, err = corr.traceJSON(ctx, traceID)
		}
		if err == nil && len(t.LogServices()) >= len(Services) {
			return t, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return nil, err
			}
			d.printf("  warning: after %v the correlator has lines of %d services under spans of %s\n", d.cfg.Settle, len(t.LogServices()), traceID)
			return t, nil
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func (d *Demo) portOf(name string) int {
	for _, p := range d.procs {
		if p.name != name {
			continue
		}
		for i, a := range p.cmd.Args {
			if a == "--listen" && i+1 < len(p.cmd.Args) {
				_, port, _ := strings.Cut(p.cmd.Args[i+1], ":")
				n, _ := strconv.Atoi(port)
				return n
			}
		}
	}
	return 0
}

func summary(reqs []Request) string {
	var failed, sampled int
	kinds := map[Kind]int{}
	for _, r := range reqs {
		if r.Failed() {
			failed++
			kinds[r.Kind]++
		}
		if r.Sampled {
			sampled++
		}
	}
	var parts []string
	for _, k := range []Kind{InvalidAnswer, UnknownQuestionnaire, BadToken} {
		if kinds[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
		}
	}
	return fmt.Sprintf("%d sent: %d accepted, %d failed (%s); %d sampled, %d unsampled",
		len(reqs), len(reqs)-failed, failed, strings.Join(parts, ", "), sampled, len(reqs)-sampled)
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// firstFailures returns the first n failures of `correlate failures`'s
// text (each a line at the left margin and its indented lines), and how
// many there are in all when that is more.
func firstFailures(text string, n int) string {
	var b strings.Builder
	count := 0
	for _, l := range strings.SplitAfter(text, "\n") {
		if l != "" && l[0] != ' ' {
			count++
		}
		if count <= n {
			b.WriteString(l)
		}
	}
	if count > n {
		fmt.Fprintf(&b, "... %d failures in all\n", count)
	}
	return b.String()
}
