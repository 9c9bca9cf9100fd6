package chstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ErrUnavailable is wrapped by errors that a retry may cure: a shard that
// does not answer, a timeout, an overloaded server. Write returns it only
// when there is no spool, or the spool is full.
var ErrUnavailable = errors.New("ClickHouse unavailable")

// ShardError says which shard failed.
type ShardError struct {
	Shard     int    // 0-based, in Config.Shards order
	URL       string // the shard's base URL
	Retryable bool   // a retry may succeed (network error, timeout, overload)
	Err       error
}

// Error names the shard and says what failed.
func (e *ShardError) Error() string {
	return fmt.Sprintf("chstore: shard %d (%s): %v", e.Shard, e.URL, e.Err)
}

// Unwrap returns the underlying error.
func (e *ShardError) Unwrap() error { return e.Err }

// Is makes a retryable ShardError match ErrUnavailable.
func (e *ShardError) Is(target error) bool { return target == ErrUnavailable && e.Retryable }

// shard is one server's HTTP endpoint.
type shard struct {
	idx  int
	base string
	cl   *http.Client
	cfg  *Config
	// ready is set once the schema exists on this shard.
	ready atomic.Bool
}

var codeRE = regexp.MustCompile(`Code: (\d+)`)

// Server error codes worth a retry: timeouts, network errors between
// servers, too many parts or queries, memory limits.
var retryCodes = map[int]bool{159: true, 160: true, 202: true, 209: true, 210: true, 241: true, 252: true, 279: true, 319: true}

// do sends one statement (with body as its data, if any) and returns
// the response body, which the caller must close.
func (s *shard) do(ctx context.Context, query string, body io.Reader) (io.ReadCloser, error) {
	// A statement without data goes in the body, where its length is not
	// bound by the server's URL limit (a search's second pass names
	// hundreds of rows); one with data (an INSERT) in the URL.
	target := s.base + "/"
	if body == nil {
		body = strings.NewReader(query)
	} else {
		target += "?" + url.Values{"query": {query}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return nil, &ShardError{Shard: s.idx, URL: s.base, Err: err}
	}
	req.SetBasicAuth(s.cfg.User, s.cfg.Password)
	// Every statement here may be repeated (inserts are idempotent by
	// key): let the transport resend it on a pooled connection the server
	// closed meanwhile. A nil value marks it without sending the header.
	req.Header["X-Idempotency-Key"] = nil
	resp, err := s.cl.Do(req)
	if err != nil {
		// Every transport failure is worth a retry (refused, reset, timed
		// out), except the caller giving up.
		return nil, &ShardError{Shard: s.idx, URL: s.base, Retryable: !errors.Is(err, context.Canceled), Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		retry := resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout
		if m := codeRE.FindSubmatch(msg); m != nil {
			code, _ := strconv.Atoi(string(m[1]))
			retry = retry || retryCodes[code]
		}
		return nil, &ShardError{Shard: s.idx, URL: s.base, Retryable: retry,
			Err: fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(msg)))}
	}
	return resp.Body, nil
}

// exec runs a statement and discards its result.
func (s *shard) exec(ctx context.Context, query string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	rc, err := s.do(ctx, query, r)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil {
		return &ShardError{Shard: s.idx, URL: s.base, Retryable: true, Err: err}
	}
	return nil
}

// queryString runs a small query and returns its whole output.
func (s *shard) queryString(ctx context.Context, query string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	rc, err := s.do(ctx, query, nil)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return "", &ShardError{Shard: s.idx, URL: s.base, Retryable: true, Err: err}
	}
	return string(b), nil
}

// ping reports whether the server answers /ping.
func (s *shard) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/ping", nil)
	resp, err := s.cl.Do(req)
	if err != nil {
		return &ShardError{Shard: s.idx, URL: s.base, Retryable: true, Err: err}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &ShardError{Shard: s.idx, URL: s.base, Retryable: true, Err: errors.New(resp.Status)}
	}
	return nil
}

// contextUntil returns a context cancelled when stop closes.
func contextUntil(stop <-chan struct{}) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-stop
		cancel()
	}()
	return ctx
}
