package server

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/cockroachdb/pebble/v2"
	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/internal/browsertest"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/redact"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// leakConfig is the redaction the leak test runs under.
var leakConfig = redact.Config{
	Keys:     []string{"patient_name", "ssn"},
	Patterns: []string{`\b\d{3}-\d{2}-\d{4}\b`},
}

// leakVariant is one way a secret can be written. Its lines go to a file
// (followed by serve, read by index); a one-line variant is also pushed
// as a line and sent as an OTLP body; otlp, when set, is an OTLP record of
// its own.
type leakVariant struct {
	name    string
	traceID string
	lines   []string
	otlp    func(v *leakVariant) *logspb.LogRecord
	secrets []string // must appear nowhere, as written or decoded
}

func (v *leakVariant) entry() string {
	if len(v.lines) == 1 {
		return v.lines[0]
	}
	return ""
}

// pushedApart reports whether v is also pushed a line a push: a line split
// into container pieces, or a key whose value is the next line.
func (v *leakVariant) pushedApart() bool {
	return v.pieces() || v.name == "key on the line above"
}

// pieces reports whether v is a line split into container pieces.
func (v *leakVariant) pieces() bool {
	for _, l := range v.lines {
		if _, _, ok := parse.ContainerPart([]byte(l)); !ok {
			return false
		}
	}
	return len(v.lines) > 1
}

// escapeAll writes every byte of s as a \u escape.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\u%04x`, s[i])
	}
	return b.String()
}

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

func kvlist(kvs ...*commonpb.KeyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}
}

func array(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
}

// leakVariants builds the variants, each with its own trace id and
// secrets (Zqn07 Zql07 for a name, 7NN-55-NN07 for an SSN).
func leakVariants(now time.Time) []*leakVariant {
	type mk func(tid, ts, n, l, ssn string) []string
	one := func(f func(tid, ts, n, l, ssn string) string) mk {
		return func(tid, ts, n, l, ssn string) []string { return []string{f(tid, ts, n, l, ssn)} }
	}
	lineVariants := []struct {
		name string
		mk   mk
	}{
		{"json", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","level":"info","msg":"stored","patient_name":"` + n + ` ` + l + `","trace_id":"` + tid + `"}`
		})},
		{"json ssn key", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","msg":"stored","ssn":"` + ssn + `","trace_id":"` + tid + `"}`
		})},
		{"json ssn in message", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","msg":"ssn ` + ssn + ` on file","trace_id":"` + tid + `"}`
		})},
		{"json escaped key", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","msg":"stored","\u0070atient_name":"` + n + ` ` + l + `","trace_id":"` + tid + `"}`
		})},
		{"json escaped value", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","msg":"stored","note":"` + escapeAll(ssn) + `","patient_name":"` + escapeAll(n+" "+l) + `","trace_id":"` + tid + `"}`
		})},
		{"json object value", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","msg":"stored","patient_name": {"first": "` + n + `", "last": "` + l + `"},"trace_id":"` + tid + `"}`
		})},
		{"json array value", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","msg":"stored","patient_name": [ "` + n + `", "` + l + `" ],"trace_id":"` + tid + `"}`
		})},
		{"json nested", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","msg":"stored","patient":{"patient_name":"` + n + ` ` + l + `","ward":3},"trace_id":"` + tid + `"}`
		})},
		{"json in a string", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","msg":"{\"patient_name\":\"` + n + ` ` + l + `\",\"ssn\":\"` + ssn + `\"}","trace_id":"` + tid + `"}`
		})},
		{"json duplicate keys", one(func(tid, ts, n, l, ssn string) string {
			return `{"time":"` + ts + `","patient_name":"` + n + `","patient_name":"` + l + `","trace_id":"` + tid + `"}`
		})},
		{"json spaced", one(func(tid, ts, n, l, ssn string) string {
			return `{ "time" : "` + ts + `" , "patient_name" : { "first" : "` + n + `" , "last" : "` + l + `" } , "trace_id" : "` + tid + `" }`
		})},
		{"logfmt quoted", one(func(tid, ts, n, l, ssn string) string {
			return `time=` + ts + ` level=info msg=stored patient_name="` + n + ` \"` + l + `\"" trace_id=` + tid
		})},
		{"logfmt bare", one(func(tid, ts, n, l, ssn string) string {
			return `time=` + ts + ` level=info msg=stored patient_name=` + n + ` ssn=` + ssn + ` trace_id=` + tid
		})},
		{"logfmt upper case", one(func(tid, ts, n, l, ssn string) string {
			return `time=` + ts + ` level=info PATIENT_NAME=` + n + ` Patient_Name='` + l + `' trace_id=` + tid
		})},
		{"text colon", one(func(tid, ts, n, l, ssn string) string {
			return ts + ` INFO stored patient_name: ` + n + ` ` + l + ` trace_id=` + tid
		})},
		{"text pattern", one(func(tid, ts, n, l, ssn string) string {
			return ts + ` INFO patient with ` + ssn + ` admitted trace_id=` + tid
		})},
		{"zap console", one(func(tid, ts, n, l, ssn string) string {
			return ts + "\tINFO\tstored\t" + `{"patient_name": "` + n + ` ` + l + `", "trace_id": "` + tid + `"}`
		})},
		{"url query", one(func(tid, ts, n, l, ssn string) string {
			return ts + ` INFO GET /p?patient_name=` + n + `%20` + l + `&q=` + strings.ReplaceAll(ssn, "-", "%2D") + ` trace_id=` + tid
		})},
		{"text escapes", one(func(tid, ts, n, l, ssn string) string {
			return ts + ` INFO note ` + escapeAll(ssn) + ` trace_id=` + tid
		})},
		{"docker json", one(func(tid, ts, n, l, ssn string) string {
			return dockerLine(`{"time":"`+ts+`","patient_name":"`+n+` `+l+`","trace_id":"`+tid+`"}`, ts, true)
		})},
		{"docker text", one(func(tid, ts, n, l, ssn string) string {
			return dockerLine(ts+` INFO patient_name=`+n+` ssn: `+ssn+` trace_id=`+tid, ts, true)
		})},
		{"docker escaped key", one(func(tid, ts, n, l, ssn string) string {
			return dockerLine(`{"time":"`+ts+`","\u0070atient_name":"`+n+` `+l+`","trace_id":"`+tid+`"}`, ts, true)
		})},
		{"docker partial key split", func(tid, ts, n, l, ssn string) []string {
			p := `{"time":"` + ts + `","patient_name":"` + n + ` ` + l + `","trace_id":"` + tid + `"}`
			i := strings.Index(p, "patient_na") + len("patient_na")
			return []string{dockerLine(p[:i], ts, false), dockerLine(p[i:], ts, true)}
		}},
		{"docker partial value split", func(tid, ts, n, l, ssn string) []string {
			p := `{"time":"` + ts + `","patient_name":"` + n + ` ` + l + `","ssn":"` + ssn + `","trace_id":"` + tid + `"}`
			i := strings.Index(p, ssn) + 5
			j := strings.Index(p, n) + 2
			return []string{dockerLine(p[:j], ts, false), dockerLine(p[j:i], ts, false), dockerLine(p[i:], ts, true)}
		}},
		{"cri partial key split", func(tid, ts, n, l, ssn string) []string {
			p := `{"time":"` + ts + `","patient_name":"` + n + ` ` + l + `","trace_id":"` + tid + `"}`
			i := strings.Index(p, "patient_na") + len("patient_na")
			return []string{ts + " stdout P " + p[:i], ts + " stdout F " + p[i:]}
		}},
		{"cri partial pattern split", func(tid, ts, n, l, ssn string) []string {
			p := ts + ` INFO patient ` + ssn + ` admitted patient_name: ` + n + ` trace_id=` + tid
			i := strings.Index(p, ssn) + 5
			j := strings.Index(p, "patient_name") + 9
			return []string{ts + " stdout P " + p[:i], ts + " stdout P " + p[i:j], ts + " stdout F " + p[j:]}
		}},
		{"cri text", one(func(tid, ts, n, l, ssn string) string {
			return ts + ` stderr F ` + ts + ` ERROR failed patient_name="` + n + ` ` + l + `" trace_id=` + tid
		})},
		{"key on the line above", func(tid, ts, n, l, ssn string) []string {
			return []string{ts + ` ERROR failed trace_id=` + tid + ` patient_name:`, `    ` + n + ` ` + l, `    at handler.go:12`}
		}},
	}
	otlpVariants := []struct {
		name string
		rec  func(n, l, ssn string) (*commonpb.AnyValue, []*commonpb.KeyValue)
	}{
		{"otlp attribute", func(n, l, ssn string) (*commonpb.AnyValue, []*commonpb.KeyValue) {
			return str("stored"), []*commonpb.KeyValue{kv("patient_name", str(n+" "+l))}
		}},
		{"otlp nested kvlist", func(n, l, ssn string) (*commonpb.AnyValue, []*commonpb.KeyValue) {
			return str("stored"), []*commonpb.KeyValue{kv("patient", kvlist(kv("patient_name", str(n)), kv("id", str(ssn)))), kv("who", kvlist(kv("PATIENT_NAME", str(l))))}
		}},
		{"otlp deep array", func(n, l, ssn string) (*commonpb.AnyValue, []*commonpb.KeyValue) {
			return str("stored"), []*commonpb.KeyValue{kv("visits", array(kvlist(kv("patient_name", str(n))), array(str("ssn "+ssn), kvlist(kv("x", kvlist(kv("patient_name", array(str(l)))))))))}
		}},
		{"otlp kvlist body", func(n, l, ssn string) (*commonpb.AnyValue, []*commonpb.KeyValue) {
			return kvlist(kv("msg", str("stored")), kv("patient_name", str(n+" "+l)), kv("ssn", str(ssn))), nil
		}},
		{"otlp json body", func(n, l, ssn string) (*commonpb.AnyValue, []*commonpb.KeyValue) {
			return str(`{"\u0070atient_name":"` + n + ` ` + l + `","note":"` + escapeAll(ssn) + `"}`), nil
		}},
		{"otlp int ssn", func(n, l, ssn string) (*commonpb.AnyValue, []*commonpb.KeyValue) {
			d := strings.ReplaceAll(ssn, "-", "")
			var v int64
			fmt.Sscan(d, &v)
			return str("stored"), []*commonpb.KeyValue{kv("ssn", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}), kv("name", str("patient_name="+n))}
		}},
		{"otlp bytes body", func(n, l, ssn string) (*commonpb.AnyValue, []*commonpb.KeyValue) {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte("patient_name=" + n + " ssn " + ssn)}}, nil
		}},
		{"otlp multi-line body", func(n, l, ssn string) (*commonpb.AnyValue, []*commonpb.KeyValue) {
			return str("failed patient_name:\n    " + n + " " + l + "\n    at handler.go:12"), nil
		}},
	}
	var vs []*leakVariant
	ts := now.UTC().Format(time.RFC3339Nano)
	add := func(name string) *leakVariant {
		i := len(vs) + 1
		v := &leakVariant{name: name, traceID: fmt.Sprintf("%016x%016x", 0xfeed00+i, 0xbeef00+i)}
		n, l, ssn := fmt.Sprintf("Zqn%02d", i), fmt.Sprintf("Zql%02d", i), fmt.Sprintf("7%02d-55-%04d", i, 1200+i)
		v.secrets = []string{n, l, ssn, strings.ReplaceAll(ssn, "-", ""), escapeAll(ssn), escapeAll(n), hex.EncodeToString([]byte(n)), hex.EncodeToString([]byte(ssn))}
		vs = append(vs, v)
		return v
	}
	for _, lv := range lineVariants {
		v := add(lv.name)
		n, l, ssn := v.secrets[0], v.secrets[1], v.secrets[2]
		v.lines = lv.mk(v.traceID, ts, n, l, ssn)
	}
	for _, ov := range otlpVariants {
		v := add(ov.name)
		f := ov.rec
		v.otlp = func(v *leakVariant) *logspb.LogRecord {
			body, attrs := f(v.secrets[0], v.secrets[1], v.secrets[2])
			id, _ := hex.DecodeString(v.traceID)
			return &logspb.LogRecord{TimeUnixNano: uint64(now.UnixNano()), SeverityText: "INFO", Body: body, Attributes: attrs,
				TraceId: id, SpanId: []byte{1, 2, 3, 4, 5, 6, 7, 8}}
		}
	}
	return vs
}

// dockerLine is payload as a line of Docker's json-file log written at
// ts: the end of a log line when end is set, a partial piece otherwise.
func dockerLine(payload, ts string, end bool) string {
	q := string(appendQuotedTest(nil, payload))
	q = q[1 : len(q)-1]
	if end {
		q += `\n`
	}
	return `{"log":"` + q + `","stream":"stdout","time":"` + ts + `"}`
}

// appendQuotedTest is a JSON string as Docker's json-file writes it.
func appendQuotedTest(dst []byte, s string) []byte {
	var b bytes.Buffer
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '<' || r == '>' || r == '&' || r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return append(append(append(dst, '"'), b.Bytes()...), '"')
}

// leakChecker looks for any variant's secret in what it is given.
type leakChecker struct {
	t     *testing.T
	vs    []*leakVariant
	mu    sync.Mutex
	leaks map[string]bool // variant: where
	n     int
}

func (c *leakChecker) check(where string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	for _, v := range c.vs {
		for _, s := range v.secrets {
			if bytes.Contains(b, []byte(s)) {
				key := v.name + " via " + where
				if !c.leaks[key] {
					c.leaks[key] = true
					i := bytes.Index(b, []byte(s))
					c.t.Errorf("variant %q leaked %q through %s: …%s…", v.name, s, where, b[max(i-80, 0):min(i+40, len(b))])
				}
			}
		}
	}
}

// TestRedactionHolds feeds every variant through the four ways lines come
// in — a followed file, `index`, a push (a line split into container
// pieces also one piece a push) and OTLP — and then looks for the
// secrets in every answer (API, page) and every byte of the data folders
// (and, through Pebble, in every key and value it keeps compressed).
func TestRedactionHolds(t *testing.T) {
	now := time.Now()
	vs := leakVariants(now)
	chk := &leakChecker{t: t, vs: vs, leaks: map[string]bool{}}

	logs := t.TempDir()
	for i, v := range vs {
		if v.lines == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(logs, fmt.Sprintf("v%02d.log", i)), []byte(strings.Join(v.lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// serve: follow, push, OTLP.
	var logBuf safeBuffer
	cfg := DefaultConfig()
	cfg.Data = filepath.Join(t.TempDir(), "serve")
	cfg.Listen = "127.0.0.1:0"
	cfg.Logs = []string{logs}
	cfg.Redact = leakConfig
	st, err := pebblestore.Open(cfg.Data, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, st, slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	base := "http://" + srv.Addr()
	closed := false
	closeServe := func() {
		if !closed {
			closed = true
			srv.Close()
			st.Close()
		}
	}
	t.Cleanup(closeServe)

	var pushed []string
	req := &collogs.ExportLogsServiceRequest{}
	sl := &logspb.ScopeLogs{}
	req.ResourceLogs = []*logspb.ResourceLogs{{Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", str("intake"))}}, ScopeLogs: []*logspb.ScopeLogs{sl}}}
	for _, v := range vs {
		if e := v.entry(); e != "" {
			pushed = append(pushed, e)
			id, _ := hex.DecodeString(v.traceID)
			sl.LogRecords = append(sl.LogRecords, &logspb.LogRecord{TimeUnixNano: uint64(now.UnixNano()), Body: str(e), TraceId: id})
		}
		if v.otlp != nil {
			sl.LogRecords = append(sl.LogRecords, v.otlp(v))
		}
	}
	postOK(t, base+"/api/v1/ingest", "application/x-ndjson", []byte(strings.Join(pushed, "\n")))
	body, _ := proto.Marshal(req)
	postOK(t, base+"/v1/logs", "application/x-protobuf", body)
	// A multi-line variant is pushed whole, in one push; a line split into
	// container pieces, and a key whose value is on the next line, also a
	// line a push, each variant from a source of its own, their pushes
	// interleaved.
	var split []*leakVariant
	for _, v := range vs {
		if len(v.lines) < 2 {
			continue
		}
		postOK(t, base+"/api/v1/ingest?source=whole", "application/x-ndjson", []byte(strings.Join(v.lines, "\n")))
		if v.pushedApart() {
			split = append(split, v)
		}
	}
	if len(split) < 5 {
		t.Fatalf("%d variants pushed a line a push, want 5", len(split))
	}
	for i, more := 0, true; more; i++ {
		more = false
		for _, v := range split {
			if i < len(v.lines) {
				postOK(t, base+"/api/v1/ingest?source="+v.traceID, "application/x-ndjson", []byte(v.lines[i]))
				more = true
			}
		}
	}

	// Every variant's trace has all its lines: from the file (followed),
	// pushed, as an OTLP body; redaction dropped none.
	want := func(v *leakVariant) int {
		n := 0
		if v.lines != nil {
			n++
		}
		if e := v.entry(); e != "" {
			n += 2
			if strings.HasPrefix(e, `{"log":`) {
				n-- // an OTLP body is no container line: an untraced entry of its own
			}
		}
		if len(v.lines) > 1 {
			n++ // pushed whole
		}
		if v.pushedApart() {
			n++ // pushed a line a push: the traced line and its value joined
		}
		if v.otlp != nil {
			n++
		}
		return n
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, v := range vs {
		for {
			ids, _ := store.ParseTraceID(v.traceID)
			recs, _ := st.Logs(context.Background(), ids...)
			if len(recs) >= want(v) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d of %d lines indexed", v.name, len(recs), want(v))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// The API.
	for _, v := range vs {
		for _, path := range []string{"/api/v1/traces/" + v.traceID, "/api/v1/traces/" + v.traceID + "/logs", "/api/v1/traces/" + v.traceID + "/logs?raw=1"} {
			chk.check("GET "+path, get(t, base+path))
		}
	}
	chk.check("GET /api/v1/entries", get(t, base+"/api/v1/entries"))
	chk.check("GET /api/v1/coverage", get(t, base+"/api/v1/coverage"))

	// The page, as Chromium renders it.
	ctx := browsertest.New(t, 3*time.Minute)
	for _, v := range vs {
		var html, text string
		err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/trace/"+v.traceID),
			chromedp.WaitVisible(`body[data-ready="trace"]`, chromedp.ByQuery),
			chromedp.OuterHTML("html", &html, chromedp.ByQuery),
			chromedp.Evaluate(`document.body.textContent`, &text),
		)
		if err != nil {
			t.Fatalf("page of %s: %v", v.name, err)
		}
		if !strings.Contains(text, v.traceID) || strings.Contains(text, " 0 log lines") {
			t.Errorf("page of %s shows no line: %.300s", v.name, text)
		}
		chk.check("the page of "+v.name, []byte(html+"\n"+text))
	}
	closeServe()
	chk.check("the service's log", logBuf.Bytes())

	// index, as `correlate index` runs it.
	idxDir := filepath.Join(t.TempDir(), "index")
	ist, err := pebblestore.Open(idxDir, pebblestore.Options{DisableWAL: true, BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	icfg := ingest.DefaultConfig()
	icfg.Paths = []string{logs}
	if icfg.Parse.Redact, err = leakConfig.EntryFunc(); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Index(context.Background(), ist, icfg); err != nil {
		t.Fatal(err)
	}
	if err := ist.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ist.Close(); err != nil {
		t.Fatal(err)
	}

	for _, dir := range []string{cfg.Data, idxDir} {
		checkDataFolder(t, chk, dir)
	}
	t.Logf("%d variants, %d answers and files read, %d leaks", len(vs), chk.n, len(chk.leaks))
}

// checkDataFolder reads every file of dir as bytes, then every key and
// value through Pebble (which decompresses its blocks), then every entry
// through the store; and checks the folder's and files' modes.
func checkDataFolder(t *testing.T, chk *leakChecker, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if info.Mode().Perm() != 0o700 {
				t.Errorf("%s is %v, want drwx------", path, info.Mode().Perm())
			}
			return nil
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v: readable by others", path, info.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		chk.check("the file "+filepath.Base(path), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := pebble.Open(dir, &pebble.Options{ReadOnly: true, Logger: quietPebble{}})
	if err != nil {
		t.Fatal(err)
	}
	it, err := db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			t.Fatal(err)
		}
		chk.check("a Pebble key of "+filepath.Base(dir), it.Key())
		chk.check("a Pebble value of "+filepath.Base(dir), v)
		n++
	}
	it.Close()
	db.Close()
	if n == 0 {
		t.Errorf("%s: Pebble holds nothing", dir)
	}
	st, err := pebblestore.Open(dir, pebblestore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var all []byte
	err = st.Range(context.Background(), time.Time{}, time.Time{}, func(e *store.Entry) bool {
		all = e.Record.AppendJSONRaw(all)
		all = append(all, e.Msg...)
		all = append(all, '\n')
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	chk.check("the entries of "+filepath.Base(dir), all)
}

func postOK(t *testing.T, url, ctype string, body []byte) {
	t.Helper()
	resp, err := http.Post(url, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, b)
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// safeBuffer is a bytes.Buffer for a logger that writes from several
// goroutines.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)  {}
func (quietPebble) Errorf(string, ...any) {}
func (quietPebble) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
