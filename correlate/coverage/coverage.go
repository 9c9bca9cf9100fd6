package coverage

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/parse"
)

// Source calls fn for every record of the data, with the time it sorts by
// (Record.Time, or the store's stand-in for a line without one), in time
// order, until fn returns false. Analyze calls it twice.
type Source func(ctx context.Context, fn func(r *parse.Record, at time.Time) bool) error

// Option configures Analyze.
type Option interface{ apply(config) config }

type config struct {
	slack time.Duration
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithSlack returns an Option that widens each trace's interval in a
// process by d on both sides: a goroutine that logs just after the
// request's last line still counts. Default 0.
func WithSlack(d time.Duration) Option {
	return optionFunc(func(c config) config {
		c.slack = max(d, 0)
		return c
	})
}

// Report is what Analyze found.
type Report struct {
	Lines             int64 `json:"lines"`               // every line read
	Traced            int64 `json:"traced"`              // lines with a trace id
	Untraced          int64 `json:"untraced"`            // lines without one
	UntracedInRequest int64 `json:"untraced_in_request"` // untraced lines inside a traced request of their process
	Processes         int   `json:"processes"`           // files seen: a file is one process's output
	Traces            int   `json:"traces"`              // distinct trace ids
	// Sites are the call sites with at least one untraced line inside a
	// traced request, ranked by that count (then sites also seen traced
	// first, then by key).
	Sites []Site `json:"sites"`
	// CallersMissing names the services none of whose lines carried a
	// caller: their sites are message templates (see Hint).
	CallersMissing []string `json:"callers_missing"`
}

// Site is one call site.
type Site struct {
	Service string `json:"service"`
	// Key is the caller (file:line) when ByCaller, else the message
	// template.
	Key      string `json:"key"`
	ByCaller bool   `json:"by_caller"`
	// InRequest counts the site's untraced lines inside a traced request,
	// Untraced all its untraced lines, Traced its lines with a trace id.
	InRequest int64 `json:"in_request"`
	Untraced  int64 `json:"untraced"`
	Traced    int64 `json:"traced"`
	// UntracedExample is the first untraced line inside a request,
	// TracedExample the first traced line (nil when Traced is 0).
	UntracedExample Example  `json:"untraced_example"`
	TracedExample   *Example `json:"traced_example,omitempty"`
}

// AlsoTraced reports whether the site is also seen with trace ids: the same
// code runs with and without the context.
func (s *Site) AlsoTraced() bool { return s.Traced > 0 }

// Example is a line quoted in a report.
type Example struct {
	File    string    `json:"file"`
	Line    int64     `json:"line"`
	Time    time.Time `json:"time"`
	Msg     string    `json:"msg"`                // first line, capped
	TraceID string    `json:"trace_id,omitempty"` // for a traced example
}

// Hint says how to make each logger write the caller.
const Hint = "zerolog: zerolog.New(w).With().Caller().Logger(); " +
	"slog: slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{AddSource: true})); " +
	"zap: zap.New(core, zap.AddCaller()) (zap.NewProduction has it)"

type siteKey struct {
	service, key string
	byCaller     bool
}

// interval is [from, to] in UnixNano.
type interval struct{ from, to int64 }

// process holds, in pass 1, the traces of a process; in pass 2 the merged
// intervals and a cursor into them.
type process struct {
	traces    map[string]interval
	intervals []interval
	cursor    int
}

// Analyze reads src twice and reports the call sites that drop the
// context.
func Analyze(ctx context.Context, src Source, opts ...Option) (*Report, error) {
	var c config
	for _, o := range opts {
		c = o.apply(c)
	}
	rep := &Report{}
	// A process is a file: lines without a service (go-zero's own access
	// and stat lines) are its output as much as the named ones.
	procs := make(map[string]*process)
	fileService := make(map[string]string)
	traceIDs := make(map[string]struct{})
	// Pass 1: the interval of each trace in each process, and each file's
	// service.
	err := src(ctx, func(r *parse.Record, at time.Time) bool {
		if r.Service != "" && !strings.HasPrefix(r.File, parse.PushPrefix) {
			if _, ok := fileService[r.File]; !ok {
				fileService[r.File] = r.Service
			}
		}
		id := traceKey(r)
		if id == "" {
			return true
		}
		traceIDs[id] = struct{}{}
		k := r.File
		p := procs[k]
		if p == nil {
			p = &process{traces: make(map[string]interval)}
			procs[k] = p
		}
		t := at.UnixNano()
		iv, ok := p.traces[id]
		if !ok {
			iv = interval{t, t}
		}
		iv.from, iv.to = min(iv.from, t), max(iv.to, t)
		p.traces[id] = iv
		return true
	})
	if err != nil {
		return nil, err
	}
	rep.Traces = len(traceIDs)
	for _, p := range procs {
		p.intervals = merge(p.traces, int64(c.slack))
		p.traces = nil
	}

	// Pass 2: every line against its process's intervals.
	sites := make(map[siteKey]*Site)
	type svcCallers struct{ lines, withCaller int64 }
	services := make(map[string]*svcCallers)
	seenProcs := make(map[string]struct{})
	err = src(ctx, func(r *parse.Record, at time.Time) bool {
		rep.Lines++
		svc := r.Service
		if svc == "" {
			svc = fileService[r.File]
		}
		sc := services[svc]
		if sc == nil {
			sc = &svcCallers{}
			services[svc] = sc
		}
		sc.lines++
		if r.Caller != "" {
			sc.withCaller++
		}
		pk := r.File
		seenProcs[pk] = struct{}{}
		sk := siteKey{service: svc, key: r.Caller, byCaller: r.Caller != ""}
		if !sk.byCaller {
			sk.key = Template(r.Msg)
		}
		s := sites[sk]
		if s == nil {
			s = &Site{Service: sk.service, Key: sk.key, ByCaller: sk.byCaller}
			sites[sk] = s
		}
		if traceKey(r) != "" {
			rep.Traced++
			s.Traced++
			if s.Traced == 1 {
				ex := example(r, at)
				s.TracedExample = &ex
			}
			return true
		}
		rep.Untraced++
		s.Untraced++
		if p := procs[pk]; p != nil && p.inside(at.UnixNano()) {
			rep.UntracedInRequest++
			s.InRequest++
			if s.InRequest == 1 {
				s.UntracedExample = example(r, at)
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	rep.Processes = len(seenProcs)
	for _, s := range sites {
		if s.InRequest > 0 {
			rep.Sites = append(rep.Sites, *s)
		}
	}
	slices.SortFunc(rep.Sites, func(a, b Site) int {
		if c := cmp.Compare(b.InRequest, a.InRequest); c != 0 {
			return c
		}
		if c := cmp.Compare(b2i(b.AlsoTraced()), b2i(a.AlsoTraced())); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Service, b.Service); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	for svc, sc := range services {
		if sc.withCaller == 0 {
			rep.CallersMissing = append(rep.CallersMissing, svc)
		}
	}
	slices.Sort(rep.CallersMissing)
	return rep, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// traceKey is the record's trace id, or its 64-bit low half.
func traceKey(r *parse.Record) string {
	if r.TraceID != "" {
		return r.TraceID
	}
	return r.TraceIDLow
}

func example(r *parse.Record, at time.Time) Example {
	m := r.Msg
	if m == "" {
		m = r.Raw
	}
	for i := 0; i < len(m); i++ {
		if m[i] == '\n' {
			m = m[:i]
			break
		}
	}
	if len(m) > 200 {
		m = m[:200] + "…"
	}
	return Example{File: r.File, Line: r.Line, Time: at, Msg: m, TraceID: traceKey(r)}
}

// merge turns trace intervals, widened by slack, into sorted disjoint
// intervals.
func merge(traces map[string]interval, slack int64) []interval {
	ivs := make([]interval, 0, len(traces))
	for _, iv := range traces {
		ivs = append(ivs, interval{iv.from - slack, iv.to + slack})
	}
	slices.SortFunc(ivs, func(a, b interval) int { return cmp.Compare(a.from, b.from) })
	out := ivs[:0]
	for _, iv := range ivs {
		if n := len(out); n > 0 && iv.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, iv.to)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// inside reports whether t lies in one of p's intervals. Lines come in
// time order, so the cursor only moves forward (a line out of order falls
// back to a binary search).
func (p *process) inside(t int64) bool {
	ivs := p.intervals
	if p.cursor > 0 && t <= ivs[p.cursor-1].to {
		p.cursor, _ = slices.BinarySearchFunc(ivs, t, func(iv interval, t int64) int { return cmp.Compare(iv.to, t) })
	}
	for p.cursor < len(ivs) && ivs[p.cursor].to < t {
		p.cursor++
	}
	return p.cursor < len(ivs) && ivs[p.cursor].from <= t
}
