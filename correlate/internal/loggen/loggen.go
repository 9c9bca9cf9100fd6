// Package loggen writes synthetic log files for tests and benchmarks: N
// entries of distributed traces spread over services that each log in a
// different format, deterministic from a seed, with the ground truth of
// which trace has how many entries.
//
// Services and their formats:
//
//	checkout   zap JSON (ts as epoch float, caller), OTel keys
//	payments   zerolog JSON (time, message)
//	gateway    go-zero logx JSON (@timestamp, content, trace, span)
//	inventory  log/slog JSON (upper-case level)
//	auth       log/slog TextHandler (key=value)
//	mailer     logrus TextFormatter (time="…" level=info msg="…")
//	search     zap console (tab-separated, fields as trailing JSON)
//	ledger     Datadog JSON (dd.trace_id as decimal low 64 bits, dd.span_id)
//	frontend   Kubernetes CRI lines wrapping zap JSON, under pods/…
//
// A trace has 2–6 spans on random services, each span 1–5 entries; about
// 15% of entries carry no trace (background work). Some error entries of
// the text formats carry a stack trace on indented continuation lines.
// Many traces are in flight at once, so their entries interleave in time.
package loggen

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Config says what to generate.
type Config struct {
	Dir     string    // output folder, created if missing
	Entries int       // entries to write (physical lines are a little more)
	Seed    uint64    // same seed, same files
	Start   time.Time // time of the first entry (default 2026-03-01T12:00:00Z)
	// Step is the mean time between entries (default 50µs).
	Step time.Duration
	// UntracedPercent of entries carry no trace (default 15; -1 for none).
	UntracedPercent int
	// Stacks adds stack traces under some error entries (continuation lines).
	Stacks bool
}

// Truth is what was generated.
type Truth struct {
	Files   []string
	Entries int   // entries written
	Lines   int64 // physical lines written
	Bytes   int64
	Traced  int // entries with a trace
	// TraceIDs lists every trace id (32 hex); Count[i] is how many entries
	// TraceIDs[i] has. Datadog-format entries count for their trace too:
	// a lookup of the 128-bit id finds them by its low 64 bits.
	TraceIDs []string
	Count    []int32
}

type format uint8

const (
	fZapJSON format = iota
	fZerolog
	fLogx
	fSlogJSON
	fSlogText
	fLogrusText
	fZapConsole
	fDatadog
	fCRI
)

var services = []struct {
	name string
	f    format
	path string
}{
	{"checkout", fZapJSON, "checkout.log"},
	{"payments", fZerolog, "payments.log"},
	{"gateway", fLogx, "gateway.log"},
	{"inventory", fSlogJSON, "inventory.log"},
	{"auth", fSlogText, "auth.log"},
	{"mailer", fLogrusText, "mailer.log"},
	{"search", fZapConsole, "search.log"},
	{"ledger", fDatadog, "ledger.log"},
	{"frontend", fCRI, "pods/shop_frontend-7d9f8_0f3c2a1e-1111-2222-3333-444455556666/frontend/0.log"},
}

var messages = []string{
	"request received", "order stored", "payment authorized", "cache miss", "cache hit",
	"inventory reserved", "email queued", "user authenticated", "token refreshed",
	"query executed", "retrying upstream call", "response sent", "validation failed",
	"rate limit checked", "feature flag evaluated", "span exported", "message published",
}

var routes = []string{
	"/api/v1/orders/{id}", "/api/v1/payments", "/api/v1/cart/items", "/healthz",
	"/api/v1/users/{id}/profile", "/api/v1/search", "/api/v1/inventory/reserve",
}

var methods = []string{"GET", "POST", "PUT", "DELETE"}

// appendExtras appends the request fields most service lines carry, as
// JSON members (json) or logfmt pairs.
func appendExtras(dst []byte, json bool, msg, n int) []byte {
	route, method := routes[msg%len(routes)], methods[(msg+n)%len(methods)]
	status := 200
	if n%17 == 0 {
		status = 500
	} else if n%7 == 0 {
		status = 404
	}
	if json {
		dst = append(dst, `,"http.method":"`...)
		dst = append(dst, method...)
		dst = append(dst, `","http.route":"`...)
		dst = append(dst, route...)
		dst = append(dst, `","http.status_code":`...)
		dst = strconv.AppendInt(dst, int64(status), 10)
		dst = append(dst, `,"duration_ms":`...)
		return strconv.AppendFloat(dst, float64(n%5000)/10, 'f', 1, 64)
	}
	dst = append(dst, " http.method="...)
	dst = append(dst, method...)
	dst = append(dst, " http.route="...)
	dst = append(dst, route...)
	dst = append(dst, " http.status_code="...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, " duration_ms="...)
	return strconv.AppendFloat(dst, float64(n%5000)/10, 'f', 1, 64)
}

var callers = []string{
	"handler/order.go:42", "service/payment.go:118", "repo/store.go:77", "cache/lru.go:31",
	"mq/publish.go:64", "auth/jwt.go:203", "http/server.go:95", "db/query.go:150",
}

type pendingEntry struct {
	svc   int
	span  uint64
	level string
	msg   int
}

type trace struct {
	hi, lo  uint64
	idx     int // index in Truth.TraceIDs
	entries []pendingEntry
	next    int
}

// Generate writes the files and returns the ground truth.
func Generate(cfg Config) (*Truth, error) {
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	}
	if cfg.Step == 0 {
		cfg.Step = 50 * time.Microsecond
	}
	untraced := cfg.UntracedPercent
	if untraced == 0 {
		untraced = 15
	} else if untraced < 0 {
		untraced = 0
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	truth := &Truth{}
	ws := make([]*bufio.Writer, len(services))
	files := make([]*os.File, len(services))
	for i, s := range services {
		p := filepath.Join(cfg.Dir, s.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		f, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		files[i] = f
		ws[i] = bufio.NewWriterSize(f, 256<<10)
		truth.Files = append(truth.Files, p)
	}
	const inFlight = 64
	active := make([]*trace, 0, inFlight)
	newTrace := func() *trace {
		t := &trace{hi: rng.Uint64() | 1, lo: rng.Uint64() | 1}
		t.idx = len(truth.TraceIDs)
		truth.TraceIDs = append(truth.TraceIDs, hexID(t.hi, t.lo))
		truth.Count = append(truth.Count, 0)
		spans := 2 + rng.IntN(5)
		for s := 0; s < spans; s++ {
			svc := rng.IntN(len(services))
			span := rng.Uint64() | 1
			n := 1 + rng.IntN(5)
			for e := 0; e < n; e++ {
				lvl := "info"
				switch r := rng.IntN(100); {
				case r < 10:
					lvl = "debug"
				case r < 15:
					lvl = "warn"
				case r < 18:
					lvl = "error"
				}
				t.entries = append(t.entries, pendingEntry{svc: svc, span: span, level: lvl, msg: rng.IntN(len(messages))})
			}
		}
		return t
	}
	now := cfg.Start
	var buf []byte
	for n := 0; n < cfg.Entries; n++ {
		now = now.Add(time.Duration(rng.Int64N(int64(2*cfg.Step) + 1)))
		var e pendingEntry
		var t *trace
		if rng.IntN(100) < untraced {
			e = pendingEntry{svc: rng.IntN(len(services)), level: "info", msg: rng.IntN(len(messages))}
		} else {
			for len(active) < inFlight {
				active = append(active, newTrace())
			}
			i := rng.IntN(len(active))
			t = active[i]
			e = t.entries[t.next]
			t.next++
			if t.next == len(t.entries) {
				active[i] = active[len(active)-1]
				active = active[:len(active)-1]
			}
			truth.Count[t.idx]++
			truth.Traced++
		}
		stack := cfg.Stacks && e.level == "error" && rng.IntN(4) == 0
		buf = appendEntry(buf[:0], services[e.svc].f, services[e.svc].name, now, e, t, rng.IntN(10000), stack)
		truth.Lines += int64(countNL(buf))
		truth.Bytes += int64(len(buf))
		truth.Entries++
		if _, err := ws[e.svc].Write(buf); err != nil {
			return nil, err
		}
	}
	// traces cut short by the end keep the counts they got; those that got
	// no entry at all are dropped
	k := 0
	for i, c := range truth.Count {
		if c > 0 {
			truth.TraceIDs[k], truth.Count[k] = truth.TraceIDs[i], c
			k++
		}
	}
	truth.TraceIDs, truth.Count = truth.TraceIDs[:k], truth.Count[:k]
	for i, w := range ws {
		if err := w.Flush(); err != nil {
			return nil, err
		}
		if err := files[i].Close(); err != nil {
			return nil, err
		}
	}
	return truth, nil
}

func countNL(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

func hexID(hi, lo uint64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return hex.EncodeToString(b[:])
}

func appendHex64(dst []byte, v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return hex.AppendEncode(dst, b[:])
}

func appendTraceHex(dst []byte, t *trace) []byte {
	return appendHex64(appendHex64(dst, t.hi), t.lo)
}

func upper(s string) string {
	switch s {
	case "info":
		return "INFO"
	case "debug":
		return "DEBUG"
	case "warn":
		return "WARN"
	}
	return "ERROR"
}

// appendEntry appends one entry (with its newline, and any stack lines).
func appendEntry(dst []byte, f format, svc string, at time.Time, e pendingEntry, t *trace, n int, stack bool) []byte {
	msg := messages[e.msg]
	caller := callers[e.msg%len(callers)]
	switch f {
	case fZapJSON, fCRI:
		if f == fCRI {
			dst = at.AppendFormat(dst, time.RFC3339Nano)
			dst = append(dst, " stdout F "...)
		}
		dst = append(dst, `{"level":"`...)
		dst = append(dst, e.level...)
		dst = append(dst, `","ts":`...)
		dst = strconv.AppendFloat(dst, float64(at.UnixMicro())/1e6, 'f', 6, 64)
		dst = append(dst, `,"caller":"`...)
		dst = append(dst, caller...)
		dst = append(dst, `","msg":"`...)
		dst = append(dst, msg...)
		dst = append(dst, `","service.name":"`...)
		dst = append(dst, svc...)
		dst = append(dst, `","order_id":`...)
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = appendExtras(dst, true, e.msg, n)
		if t != nil {
			dst = append(dst, `,"trace_id":"`...)
			dst = appendTraceHex(dst, t)
			dst = append(dst, `","span_id":"`...)
			dst = appendHex64(dst, e.span)
			dst = append(dst, `","trace_flags":"01"`...)
		}
		dst = append(dst, "}\n"...)
	case fZerolog:
		dst = append(dst, `{"level":"`...)
		dst = append(dst, e.level...)
		dst = append(dst, `","service":"`...)
		dst = append(dst, svc...)
		if t != nil {
			dst = append(dst, `","trace_id":"`...)
			dst = appendTraceHex(dst, t)
			dst = append(dst, `","span_id":"`...)
			dst = appendHex64(dst, e.span)
		}
		dst = append(dst, `","amount":`...)
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = appendExtras(dst, true, e.msg, n)
		dst = append(dst, `,"time":"`...)
		dst = at.AppendFormat(dst, time.RFC3339)
		dst = append(dst, `","message":"`...)
		dst = append(dst, msg...)
		dst = append(dst, "\"}\n"...)
	case fLogx:
		dst = append(dst, `{"@timestamp":"`...)
		dst = at.AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
		dst = append(dst, `","caller":"`...)
		dst = append(dst, caller...)
		dst = append(dst, `","content":"`...)
		dst = append(dst, msg...)
		dst = append(dst, `","level":"`...)
		dst = append(dst, e.level...)
		dst = append(dst, '"')
		dst = appendExtras(dst, true, e.msg, n)
		dst = append(dst, `,"service":"`...)
		dst = append(dst, svc...)
		if t != nil {
			dst = append(dst, `","span":"`...)
			dst = appendHex64(dst, e.span)
			dst = append(dst, `","trace":"`...)
			dst = appendTraceHex(dst, t)
		}
		dst = append(dst, "\"}\n"...)
	case fSlogJSON:
		dst = append(dst, `{"time":"`...)
		dst = at.AppendFormat(dst, time.RFC3339Nano)
		dst = append(dst, `","level":"`...)
		dst = append(dst, upper(e.level)...)
		dst = append(dst, `","msg":"`...)
		dst = append(dst, msg...)
		dst = append(dst, `","service.name":"`...)
		dst = append(dst, svc...)
		dst = append(dst, `","sku":"SKU-`...)
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, '"')
		dst = appendExtras(dst, true, e.msg, n)
		if t != nil {
			dst = append(dst, `,"trace_id":"`...)
			dst = appendTraceHex(dst, t)
			dst = append(dst, `","span_id":"`...)
			dst = appendHex64(dst, e.span)
			dst = append(dst, '"')
		}
		dst = append(dst, "}\n"...)
	case fSlogText:
		dst = append(dst, "time="...)
		dst = at.AppendFormat(dst, time.RFC3339Nano)
		dst = append(dst, " level="...)
		dst = append(dst, upper(e.level)...)
		dst = append(dst, ` msg="`...)
		dst = append(dst, msg...)
		dst = append(dst, `" service.name=`...)
		dst = append(dst, svc...)
		dst = append(dst, " user="...)
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = appendExtras(dst, false, e.msg, n)
		if t != nil {
			dst = append(dst, " trace_id="...)
			dst = appendTraceHex(dst, t)
			dst = append(dst, " span_id="...)
			dst = appendHex64(dst, e.span)
		}
		dst = append(dst, '\n')
	case fLogrusText:
		dst = append(dst, `time="`...)
		dst = at.AppendFormat(dst, time.RFC3339)
		dst = append(dst, `" level=`...)
		dst = append(dst, e.level...)
		dst = append(dst, ` msg="`...)
		dst = append(dst, msg...)
		dst = append(dst, `" service=`...)
		dst = append(dst, svc...)
		dst = appendExtras(dst, false, e.msg, n)
		if t != nil {
			dst = append(dst, " trace_id="...)
			dst = appendTraceHex(dst, t)
			dst = append(dst, " span_id="...)
			dst = appendHex64(dst, e.span)
		}
		dst = append(dst, '\n')
	case fZapConsole:
		dst = at.AppendFormat(dst, "2006-01-02T15:04:05.000Z0700")
		dst = append(dst, '\t')
		dst = append(dst, upper(e.level)...)
		dst = append(dst, '\t')
		dst = append(dst, caller...)
		dst = append(dst, '\t')
		dst = append(dst, msg...)
		dst = append(dst, "\t{\"service.name\":\""...)
		dst = append(dst, svc...)
		dst = append(dst, `","hits":`...)
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = appendExtras(dst, true, e.msg, n)
		if t != nil {
			dst = append(dst, `,"trace_id":"`...)
			dst = appendTraceHex(dst, t)
			dst = append(dst, `","span_id":"`...)
			dst = appendHex64(dst, e.span)
			dst = append(dst, '"')
		}
		dst = append(dst, "}\n"...)
	case fDatadog:
		dst = append(dst, `{"level":"`...)
		dst = append(dst, e.level...)
		dst = append(dst, `","timestamp":"`...)
		dst = at.AppendFormat(dst, time.RFC3339Nano)
		dst = append(dst, `","message":"`...)
		dst = append(dst, msg...)
		dst = append(dst, `","dd.service":"`...)
		dst = append(dst, svc...)
		dst = append(dst, '"')
		dst = appendExtras(dst, true, e.msg, n)
		if t != nil {
			dst = append(dst, `,"dd.trace_id":"`...)
			dst = strconv.AppendUint(dst, t.lo, 10)
			dst = append(dst, `","dd.span_id":"`...)
			dst = strconv.AppendUint(dst, e.span, 10)
			dst = append(dst, '"')
		}
		dst = append(dst, "}\n"...)
	}
	if stack && (f == fZapConsole || f == fLogrusText || f == fSlogText) {
		dst = append(dst, "goroutine 1 [running]:\nmain.handler(0xc000010000)\n\t/app/"...)
		dst = append(dst, caller...)
		dst = append(dst, " +0x1d\nmain.main()\n\t/app/main.go:12 +0x25\n"...)
	}
	return dst
}
