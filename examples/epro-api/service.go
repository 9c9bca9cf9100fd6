package eproapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/zeromicro/go-zero/core/conf"
	"github.com/zeromicro/go-zero/core/logx"
	"github.com/zeromicro/go-zero/core/proc"
	"github.com/zeromicro/go-zero/core/trace"
	"github.com/zeromicro/go-zero/rest"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/codes"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/adapters/logxbridge"
)

// Run serves the gateway until ctx is done, then shuts it down gracefully
// and flushes its spans.
func Run(ctx context.Context, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	host, port, _ := hostPort(c.Listen)
	out := os.Stdout
	if c.LogFile != "" {
		f, err := os.OpenFile(c.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("epro-api: log file: %w", err)
		}
		defer f.Close()
		out = f
	}

	var rc rest.RestConf
	if err := conf.FillDefault(&rc); err != nil {
		return fmt.Errorf("epro-api: go-zero defaults: %w", err)
	}
	rc.Name, rc.Host, rc.Port = "epro-api", host, port
	rc.Log.Encoding, rc.Log.Stat = "json", false
	rc.Log.TimeFormat = "2006-01-02T15:04:05.000000Z07:00" // µs: lines of one request keep their order
	rc.TraceIgnorePaths = []string{"/healthz"}
	rc.DevServer.Enabled = false // it would listen on :6060
	// go-zero's own tracing: this is where the request's sampling decision
	// is taken (parent-based, by ratio), and spans go out over OTLP/HTTP.
	rc.Telemetry = trace.Config{
		Name:     "epro-api",
		Endpoint: c.OTLPEndpoint,
		Sampler:  c.SampleRatio,
		Batcher:  "otlphttp", // an empty Endpoint still traces, exporting nothing
	}

	// The set-up a real go-zero service copies. The service's name goes on
	// every line, traced or not (logbridge's WithService names only traced
	// lines; coverage needs the others too).
	logxbridge.SetFieldKeys(&rc.Log)
	server, err := rest.NewServer(rc)
	if err != nil {
		return fmt.Errorf("epro-api: %w", err)
	}
	logx.SetWriter(logxbridge.NewWriter(logx.NewWriter(out)))
	logx.AddGlobalFields(logx.Field("service.name", "epro-api"))
	server.Use(logxbridge.Middleware()) // adds trace_flags

	g := &gateway{
		client:        &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport), Timeout: 5 * time.Second},
		token:         c.Token,
		questionnaire: c.QuestionnaireURL,
		collection:    c.DataCollectionURL,
		notify:        c.NotifyURL,
	}
	server.AddRoutes([]rest.Route{
		{Method: http.MethodPost, Path: "/v1/submissions", Handler: g.submit},
		{Method: http.MethodGet, Path: "/healthz", Handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }},
	})

	// go-zero stops its server on SIGTERM/SIGINT by running its shutdown
	// listeners (the HTTP server's graceful shutdown, the trace agent's
	// flush); Run runs the same listeners when ctx is done.
	done := make(chan struct{})
	go func() {
		defer close(done)
		server.Start()
	}()
	logx.Infof("epro-api listening on %s", c.Listen)
	select {
	case <-ctx.Done():
		proc.Shutdown()
		<-done
	case <-done:
	}
	server.Stop() // closes logx
	return nil
}

type gateway struct {
	client                            *http.Client
	token                             string
	questionnaire, collection, notify string
}

type submission struct {
	PatientID       string `json:"patient_id"`
	QuestionnaireID string `json:"questionnaire_id"`
	Answers         []int  `json:"answers"`
}

func (g *gateway) submit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var in submission
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
		g.fail(ctx, w, http.StatusBadRequest, "submission is not JSON: "+err.Error())
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+g.token {
		g.fail(ctx, w, http.StatusUnauthorized, "patient not authenticated")
		return
	}
	logx.WithContext(ctx).Infow("patient authenticated", logx.Field("patient_id", in.PatientID))

	status, body, err := g.call(ctx, http.MethodGet, g.questionnaire+"/questionnaires/"+in.QuestionnaireID, nil)
	if err != nil {
		g.fail(ctx, w, http.StatusBadGateway, "questionnaire service unavailable: "+err.Error())
		return
	}
	if status != http.StatusOK {
		g.fail(ctx, w, status, "questionnaire definition not found: "+errorOf(body))
		return
	}
	logx.WithContext(ctx).Infow("questionnaire definition fetched", logx.Field("questionnaire_id", in.QuestionnaireID))

	status, body, err = g.call(ctx, http.MethodPost, g.collection+"/submissions", in)
	if err != nil {
		g.fail(ctx, w, http.StatusBadGateway, "data-collection unavailable: "+err.Error())
		return
	}
	n := map[string]any{"patient_id": in.PatientID, "questionnaire_id": in.QuestionnaireID, "outcome": "accepted"}
	if status != http.StatusCreated {
		n["outcome"], n["reason"] = "rejected", errorOf(body)
	} else {
		var stored struct {
			SubmissionID uint `json:"submission_id"`
		}
		_ = json.Unmarshal(body, &stored)
		n["submission_id"] = stored.SubmissionID
	}

	// The study monitor hears of every submission, accepted or not; the
	// worker answers 202 and delivers in the background.
	if ns, _, err := g.call(ctx, http.MethodPost, g.notify+"/notifications", n); err != nil || ns != http.StatusAccepted {
		logx.WithContext(ctx).Errorw("study monitor not notified", logx.Field("status", ns), logx.Field("error", fmt.Sprint(err)))
	}

	if status != http.StatusCreated {
		g.fail(ctx, w, status, "submission rejected: "+errorOf(body))
		return
	}
	logx.WithContext(ctx).Infow("submission accepted", logx.Field("submission_id", n["submission_id"]))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body)
}

// call sends v as JSON (nil: no body) and returns the status and body.
func (g *gateway) call(ctx context.Context, method, url string, v any) (int, []byte, error) {
	var body io.Reader
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, nil, err
	}
	if v != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, b, err
}

// fail answers status with reason, logs it and marks the server span
// failed (go-zero, like otelhttp, marks only 5xx).
func (g *gateway) fail(ctx context.Context, w http.ResponseWriter, status int, reason string) {
	oteltrace.SpanFromContext(ctx).SetStatus(codes.Error, reason)
	logx.WithContext(ctx).Errorw("request failed", logx.Field("status", status), logx.Field("reason", reason))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": reason})
}

func errorOf(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(string(body))
}
