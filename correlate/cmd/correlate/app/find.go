package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/traceline/traceline/correlate/links"
	"github.com/traceline/traceline/correlate/parse"
)

// findOptions are the settings of `correlate find`.
type findOptions struct {
	jaegerUI, correlator, format string
}

func newFindCommand(e *Env) *cobra.Command {
	var o findOptions
	cmd := &cobra.Command{
		Use:   "find [--jaeger-ui URL] [--correlator URL] 'LOG LINE or TRACE_ID'",
		Short: "print a log line's trace id, span id and the links to its trace",
		Long: `Reads the trace id and span id of one log line (any format the parser reads:
the JSON of zap, zerolog, slog, logx, logrus and their text forms, under the
OTel, ECS, Datadog, GCP or go-zero keys) and prints them with the link to the
trace in Jaeger's UI ({jaeger-ui}/trace/{trace id}?uiFind={span id}) and in
the correlator ({correlator}/trace/{trace id}). A bare trace id (32 or 16 hex
digits) or a W3C traceparent value works too; "-" reads the line from
standard input. A line without a trace id exits 1 and says so.`,
		Example: `  correlate find '{"level":"info","msg":"form stored","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}'
  tail -1 /var/log/forms.log | correlate find - --jaeger-ui https://jaeger.example --format json`,
	}
	fs := cmd.Flags()
	fs.StringVar(&o.jaegerUI, "jaeger-ui", "", "base `URL` of the Jaeger UI (default $CORRELATE_JAEGER_UI, else "+defaultJaegerUI+")")
	fs.StringVar(&o.correlator, "correlator", "", "base `URL` of the correlator service (default $CORRELATE_URL, else "+defaultCorrelator+")")
	fs.StringVar(&o.format, "format", "text", "text or json")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RunE = runE(func(ctx context.Context, args []string) error {
		ju := firstNonEmpty(o.jaegerUI, e.Getenv("CORRELATE_JAEGER_UI"), defaultJaegerUI)
		cu := firstNonEmpty(o.correlator, e.Getenv("CORRELATE_URL"), defaultCorrelator)
		return runFind(e, args, ju, cu, o.format)
	})
	return cmd
}

// Defaults of find's links: Jaeger's own UI port and serve's default listen
// address.
const (
	defaultJaegerUI   = "http://localhost:16686"
	defaultCorrelator = "http://127.0.0.1:8089"
)

// findResult is what find prints.
type findResult struct {
	TraceID    string `json:"trace_id"`
	SpanID     string `json:"span_id"`
	TraceFlags string `json:"trace_flags,omitempty"`
	Service    string `json:"service,omitempty"`
	Jaeger     string `json:"jaeger_url"`
	Correlator string `json:"correlator_url"`
	// Note says what is only partly known (a 64-bit id).
	Note string `json:"note,omitempty"`
}

// runFind is `correlate find`.
func runFind(e *Env, args []string, jaegerUI, correlator, format string) error {
	if len(args) != 1 {
		return usagef("want exactly one LOG LINE or TRACE_ID (quote the line), got %d arguments", len(args))
	}
	if format != "text" && format != "json" {
		return usagef("--format must be text or json, not %q", format)
	}
	line := args[0]
	if line == "-" {
		s := bufio.NewScanner(e.Stdin)
		s.Buffer(make([]byte, 64<<10), parse.DefaultMaxLineBytes)
		if !s.Scan() {
			return errors.New("nothing on standard input")
		}
		line = s.Text()
	}
	res, ok := findIDs(line)
	if !ok {
		return fmt.Errorf("no trace id in this line: %s "+
			"(a line carries one under trace_id (OTel), trace.id (ECS), dd.trace_id (Datadog), "+
			"logging.googleapis.com/trace (GCP), trace (go-zero) or as a traceparent; is the logging bridge installed?)",
			clip(line, 200))
	}
	res.Jaeger = links.Jaeger(jaegerUI, res.TraceID, res.SpanID)
	res.Correlator = links.Correlator(correlator, res.TraceID)
	w := e.Stdout
	if format == "json" {
		b, _ := json.Marshal(res)
		_, err := fmt.Fprintf(w, "%s\n", b)
		return err
	}
	span := res.SpanID
	if span == "" {
		span = "(none in the line: the link opens the whole trace)"
	}
	fmt.Fprintf(w, "trace_id    %s\nspan_id     %s\n", res.TraceID, span)
	if res.Service != "" {
		fmt.Fprintf(w, "service     %s\n", res.Service)
	}
	if res.TraceFlags != "" {
		sampled := "sampled"
		if res.TraceFlags == "00" {
			sampled = "NOT sampled: Jaeger will not have this trace"
		}
		fmt.Fprintf(w, "trace_flags %s (%s)\n", res.TraceFlags, sampled)
	}
	fmt.Fprintf(w, "jaeger      %s\ncorrelator  %s\n", res.Jaeger, res.Correlator)
	if res.Note != "" {
		fmt.Fprintf(w, "note        %s\n", res.Note)
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// findIDs reads the ids of a line: a bare id, a traceparent, or a log line.
func findIDs(line string) (findResult, bool) {
	s := strings.TrimSpace(line)
	if id, ok := bareTraceID(s); ok {
		return findResult{TraceID: id}, true
	}
	if tid, sid, flags, ok := traceparent(s); ok {
		return findResult{TraceID: tid, SpanID: sid, TraceFlags: flags}, true
	}
	var r parse.Record
	parse.ParseLine([]byte(line), &r, nil)
	res := findResult{TraceID: r.TraceID, SpanID: r.SpanID, TraceFlags: r.TraceFlags, Service: r.Service}
	if res.TraceID == "" && r.TraceIDLow != "" {
		res.TraceID = r.TraceIDLow
		res.Note = "the line holds only the low 64 bits of the trace id; Jaeger and the correlator match them"
	}
	return res, res.TraceID != ""
}

// bareTraceID accepts 32 or 16 hex digits (any case).
func bareTraceID(s string) (string, bool) {
	if (len(s) != 32 && len(s) != 16) || !isHexString(s) {
		return "", false
	}
	s = strings.ToLower(s)
	if strings.Trim(s, "0") == "" {
		return "", false
	}
	if len(s) == 16 {
		s = strings.Repeat("0", 16) + s
	}
	return s, true
}

// traceparent reads a W3C traceparent value "00-<32 hex>-<16 hex>-<2 hex>".
func traceparent(s string) (tid, sid, flags string, ok bool) {
	p := strings.Split(strings.ToLower(s), "-")
	if len(p) < 4 || len(p[0]) != 2 || len(p[1]) != 32 || len(p[2]) != 16 || len(p[3]) != 2 ||
		!isHexString(p[1]) || !isHexString(p[2]) || !isHexString(p[3]) ||
		strings.Trim(p[1], "0") == "" || strings.Trim(p[2], "0") == "" {
		return "", "", "", false
	}
	return p[1], p[2], p[3], true
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
