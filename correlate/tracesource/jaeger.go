package tracesource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/traceline/traceline/correlate/traces"
)

// Jaeger reads traces from a Jaeger query service over HTTP: api/v3 first
// (OTLP JSON, nanosecond times), the classic api/traces when the address has
// no api/v3. It always asks for the raw trace, so Jaeger's adjusters (clock
// skew, span id deduplication) do not rewrite times or ids. It is safe for
// concurrent use; Close releases its idle connections.
type Jaeger struct {
	base      string // scheme://host[:port][/base-path], no trailing slash
	cfg       config
	client    *http.Client
	transport *http.Transport // owned; nil with WithHTTPClient
	noV3      atomic.Bool     // api/v3 answered "no such route" once
	v3Params  atomic.Int32    // a paramStyle: how this Jaeger spells api/v3's parameters
}

var _ Source = (*Jaeger)(nil)

// NewJaeger returns a source for the Jaeger query service at baseURL (the
// UI's address, e.g. http://localhost:16686, with its base path if one is
// configured).
func NewJaeger(baseURL string, opts ...Option) (*Jaeger, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tracesource: Jaeger URL %q: want http(s)://host:port", baseURL)
	}
	u.RawQuery, u.Fragment = "", ""
	j := &Jaeger{base: strings.TrimRight(u.String(), "/"), cfg: newConfig(opts)}
	j.client = j.cfg.client
	if j.client == nil {
		j.transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: 0, // the attempt context bounds it
		}
		j.client = &http.Client{Transport: j.transport}
	}
	return j, nil
}

// URL returns the base URL the source queries.
func (j *Jaeger) URL() string { return j.base }

// Close closes the source's idle connections (and with them their
// goroutines). The source stays usable.
func (j *Jaeger) Close() error {
	if j.transport != nil {
		j.transport.CloseIdleConnections()
	}
	return nil
}

// errNoRoute marks a 404 that comes from the HTTP router (no such API at
// this address) rather than from Jaeger's trace lookup.
var errNoRoute = errors.New("no such route")

// Trace implements Source.
func (j *Jaeger) Trace(ctx context.Context, traceID string, hint Window) (traces.Trace, error) {
	id, ok := NormalizeTraceID(traceID)
	if !ok {
		return traces.Trace{}, &Error{Source: j.name(), Reason: fmt.Sprintf("%q is not a trace id", traceID), kind: ErrInvalidTraceID}
	}
	ctx, cancel := context.WithTimeout(ctx, j.cfg.totalTimeout)
	defer cancel()
	l := &lookup{j: j, id: id, started: time.Now()}
	if j.cfg.api == APIv3 || j.cfg.api == APIAuto && !j.noV3.Load() {
		t, err := l.withHint(ctx, apiV3, hint)
		switch {
		case errors.Is(err, errNoRoute) && j.cfg.api == APIv3:
			return t, l.finish(l.noAPI("/api/v3/traces answers 404"))
		case !errors.Is(err, errNoRoute):
			return t, l.finish(err)
		}
		j.noV3.Store(true)
	}
	t, err := l.withHint(ctx, apiClassic, hint)
	if errors.Is(err, errNoRoute) {
		if j.cfg.api == APIClassic {
			err = l.noAPI("/api/traces answers 404")
		} else {
			err = l.noAPI("/api/v3/traces and /api/traces answer 404")
		}
	}
	return t, l.finish(err)
}

// noAPI is the error for an address where the query API's routes are
// missing: usually the wrong port (the OTLP receiver, not the query service).
func (l *lookup) noAPI(what string) error {
	return l.fail(ErrBadResponse, http.StatusNotFound, nil,
		"has no Jaeger query API: "+what+" (is this the query service's port, 16686 by default?)")
}

func (j *Jaeger) name() string { return "jaeger at " + j.base }

type api int

const (
	apiV3 api = iota
	apiClassic
)

// lookup is one call of Trace: its id, its clock and its attempts.
type lookup struct {
	j        *Jaeger
	id       string
	started  time.Time
	attempts int
	url      string
}

// withHint asks with the widened time hint, and once more without it when
// Jaeger does not find the trace within the window.
func (l *lookup) withHint(ctx context.Context, a api, hint Window) (traces.Trace, error) {
	if !hint.IsZero() {
		t, err := l.fetch(ctx, a, hint.widen(l.j.cfg.hintMargin))
		if !errors.Is(err, ErrTraceNotFound) {
			return t, err
		}
	}
	return l.fetch(ctx, a, Window{})
}

func (l *lookup) fetch(ctx context.Context, a api, w Window) (traces.Trace, error) {
	if a == apiV3 {
		return l.fetchV3(ctx, w)
	}
	l.url = l.j.base + "/api/traces/" + l.id + "?" + classicQuery(w).Encode()
	status, body, err := l.get(ctx)
	if err != nil {
		return traces.Trace{}, err
	}
	return l.interpret(a, status, body)
}

// classicQuery is the query of Jaeger's classic API for raw spans within w
// (an open end is left out).
func classicQuery(w Window) url.Values {
	q := url.Values{}
	q.Set("raw", "true")
	if !w.Start.IsZero() {
		q.Set("start", strconv.FormatInt(w.Start.UnixMicro(), 10))
	}
	if !w.End.IsZero() {
		q.Set("end", strconv.FormatInt(w.End.UnixMicro(), 10))
	}
	return q
}

// interpret turns an answer into a trace or an error.
func (l *lookup) interpret(a api, status int, body []byte) (traces.Trace, error) {
	switch {
	case status == http.StatusOK:
		decode, what := DecodeV3, "Jaeger api/v3 JSON"
		if a == apiClassic {
			decode, what = DecodeClassic, "Jaeger JSON"
		}
		ts, err := decode(body)
		if err != nil {
			return traces.Trace{}, l.fail(ErrBadResponse, status, err,
				fmt.Sprintf("answered something that is not %s (%v); it starts %s", what, err, snippet(body)))
		}
		t, ok := find(ts, l.id)
		if !ok {
			return traces.Trace{}, l.notFound(status)
		}
		return t, nil
	case status == http.StatusNotFound:
		if isJaegerNotFound(a, body) {
			return traces.Trace{}, l.notFound(status)
		}
		return traces.Trace{}, errNoRoute
	default:
		return traces.Trace{}, l.statusError(status, body)
	}
}

// isJaegerNotFound tells Jaeger's own "trace not found" (a JSON error body)
// from a router's 404 (plain text: the API is not at this address).
func isJaegerNotFound(a api, body []byte) bool {
	if a == apiV3 {
		var e struct {
			Error *struct {
				HTTPCode int `json:"httpCode"`
			} `json:"error"`
		}
		return json.Unmarshal(body, &e) == nil && e.Error != nil
	}
	var e classicResponse
	return json.Unmarshal(body, &e) == nil && len(e.Errors) > 0
}

// jaegerMessage extracts the message of a Jaeger error body, or quotes
// the start of the body.
func jaegerMessage(body []byte) string {
	var v3 struct {
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v3) == nil && v3.Error != nil && v3.Error.Message != "" {
		return v3.Error.Message
	}
	var classic classicResponse
	if json.Unmarshal(body, &classic) == nil && len(classic.Errors) > 0 && classic.Errors[0].Msg != "" {
		return classic.Errors[0].Msg
	}
	if len(body) == 0 {
		return "(empty body)"
	}
	return snippet(body)
}

func (l *lookup) notFound(status int) error {
	return l.fail(ErrTraceNotFound, status, nil, "has no trace "+l.id)
}

func (l *lookup) fail(kind error, status int, cause error, reason string) *Error {
	return &Error{Source: l.j.name(), URL: l.url, Status: status, Reason: reason, kind: kind, cause: cause}
}

// finish stamps the attempt count on the lookup's error.
func (l *lookup) finish(err error) error {
	var e *Error
	if errors.As(err, &e) {
		e.Attempts = l.attempts
	}
	return err
}

// get sends GET l.url, retrying transient faults with exponential back-off
// within ctx. It returns the last status and body, or an *Error when no
// answer came.
func (l *lookup) get(ctx context.Context) (int, []byte, error) {
	backoff := l.j.cfg.backoff
	for try := 0; ; try++ {
		status, body, err := l.once(ctx)
		transient := err != nil && err.retry || err == nil && retryStatus(status)
		if !transient || try >= l.j.cfg.retries || !waitBackoff(ctx, backoff) {
			if err != nil {
				return 0, nil, err.Error
			}
			return status, body, nil
		}
		backoff *= 2
	}
}

// attemptError is the failure of one request, and whether it may be retried.
type attemptError struct {
	*Error
	retry bool
}

// once sends one request, bounded by the attempt timeout.
func (l *lookup) once(ctx context.Context) (int, []byte, *attemptError) {
	l.attempts++
	timeout := l.j.cfg.attemptTimeout
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, l.url, nil)
	if err != nil {
		return 0, nil, &attemptError{Error: l.fail(ErrBadResponse, 0, err, "cannot build request: "+err.Error())}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := l.j.client.Do(req)
	if err != nil {
		return 0, nil, l.transportError(ctx, actx, timeout, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, l.j.cfg.maxBody+1))
	if err != nil {
		return 0, nil, l.transportError(ctx, actx, timeout, err)
	}
	if int64(len(body)) > l.j.cfg.maxBody {
		return 0, nil, &attemptError{Error: l.fail(ErrBadResponse, resp.StatusCode, nil,
			fmt.Sprintf("answered more than %d MiB", l.j.cfg.maxBody>>20))}
	}
	return resp.StatusCode, body, nil
}

// transportError says plainly why no (complete) answer came.
func (l *lookup) transportError(ctx, actx context.Context, timeout time.Duration, err error) *attemptError {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &attemptError{Error: l.fail(context.Canceled, 0, err, "lookup canceled")}
	case ctx.Err() != nil:
		return &attemptError{Error: l.fail(ErrTimeout, 0, err,
			"timed out after "+roundDuration(time.Since(l.started))+" (whole lookup)")}
	case actx.Err() != nil || isTimeout(err):
		return &attemptError{Error: l.fail(ErrTimeout, 0, err,
			"timed out after "+roundDuration(timeout)+" waiting for an answer"), retry: true}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &attemptError{Error: l.fail(ErrUnavailable, 0, err, "unreachable (connection refused: is Jaeger running?)"), retry: true}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &attemptError{Error: l.fail(ErrUnavailable, 0, err, "closed the connection mid-answer ("+rootCause(err)+")"), retry: true}
	default:
		var dns *net.DNSError
		if errors.As(err, &dns) {
			return &attemptError{Error: l.fail(ErrUnavailable, 0, err, "unreachable (cannot resolve "+dns.Name+")")}
		}
		return &attemptError{Error: l.fail(ErrUnavailable, 0, err, "unreachable ("+rootCause(err)+")")}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// rootCause is the innermost error's text, without the URL and operation
// that url.Error and net.OpError prepend.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func retryStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// waitBackoff sleeps d unless ctx ends first or has less than d left; it
// reports whether to retry.
func waitBackoff(ctx context.Context, d time.Duration) bool {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.String()
}
