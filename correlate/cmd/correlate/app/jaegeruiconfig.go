package app

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

// jaegerLinkPattern is one entry of Jaeger UI's linkPatterns setting.
type jaegerLinkPattern struct {
	Type string `json:"type"`
	Key  string `json:"key,omitempty"`
	URL  string `json:"url"`
	Text string `json:"text"`
}

func newJaegerUIConfigCommand(e *Env) *cobra.Command {
	var base string
	cmd := &cobra.Command{
		Use:   "jaeger-ui-config --correlator URL",
		Short: "print the Jaeger UI linkPatterns that link each trace and span back to correlate",
		Long: `Prints the "linkPatterns" part of Jaeger UI's configuration (the file given
to Jaeger's query service as its UI config), so that Jaeger's trace view links
each trace to its log lines in correlate, and each span to its own lines.`,
		Example: `  correlate jaeger-ui-config --correlator http://correlate.internal:8089 > jaeger-ui.json`,
	}
	cmd.Flags().StringVar(&base, "correlator", "", "the correlator's base `URL` as a browser reaches it")
	cmd.RunE = runE(func(ctx context.Context, args []string) error {
		if len(args) != 0 {
			return usagef("unexpected arguments %q", args)
		}
		b, err := jaegerUIConfig(base)
		if err != nil {
			return err
		}
		_, err = e.Stdout.Write(b)
		return err
	})
	return cmd
}

// jaegerUIConfig builds the linkPatterns JSON for a correlator at base.
func jaegerUIConfig(base string) ([]byte, error) {
	u, err := url.Parse(base)
	if base == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--correlator wants the correlator's http(s) base URL, e.g. http://127.0.0.1:8089")
	}
	base = strings.TrimRight(base, "/")
	// Jaeger UI fills #{traceID} and #{spanID}; a "tags" pattern shows on
	// every span that has the key, and OpenTelemetry SDKs set both keys
	// below on every span they export.
	patterns := []jaegerLinkPattern{
		{Type: "traces", URL: base + "/trace/#{traceID}", Text: "Log lines of this trace (correlate)"},
		{Type: "tags", Key: "span.kind", URL: base + "/trace/#{traceID}#span-#{spanID}", Text: "Log lines of this span (correlate)"},
		{Type: "tags", Key: "otel.scope.name", URL: base + "/trace/#{traceID}#span-#{spanID}", Text: "Log lines of this span (correlate)"},
	}
	b, err := json.MarshalIndent(map[string]any{"linkPatterns": patterns}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
