package tracesource

import (
	"net/http"
	"time"
)

// API selects which Jaeger query API a Jaeger source uses.
type API int

const (
	// APIAuto tries api/v3 and falls back to the classic api/traces when
	// the address has no api/v3 (older Jaeger); the default.
	APIAuto API = iota
	// APIv3 uses only GET /api/v3/traces/{id} (OTLP JSON, nanoseconds).
	APIv3
	// APIClassic uses only GET /api/traces/{id} (Jaeger JSON, microseconds).
	APIClassic
)

// Option configures a Jaeger source.
type Option interface{ apply(config) config }

type config struct {
	client         *http.Client
	api            API
	attemptTimeout time.Duration
	totalTimeout   time.Duration
	retries        int
	backoff        time.Duration
	hintMargin     time.Duration
	maxBody        int64
}

func newConfig(opts []Option) config {
	c := config{
		api:            APIAuto,
		attemptTimeout: 5 * time.Second,
		totalTimeout:   12 * time.Second,
		retries:        2,
		backoff:        200 * time.Millisecond,
		hintMargin:     15 * time.Minute,
		maxBody:        256 << 20,
	}
	for _, o := range opts {
		c = o.apply(c)
	}
	return c
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithHTTPClient returns an Option that sends requests through client
// (its Timeout, if any, applies on top of the attempt timeout). The source
// then does not own the transport: Close leaves it alone.
func WithHTTPClient(client *http.Client) Option {
	return optionFunc(func(c config) config { c.client = client; return c })
}

// WithAPI returns an Option that fixes the query API instead of detecting it.
func WithAPI(api API) Option {
	return optionFunc(func(c config) config { c.api = api; return c })
}

// WithTimeout returns an Option that bounds one request (attempt) and the
// whole lookup, retries and back-off included (defaults 5 s and 12 s).
// Non-positive values keep the default.
func WithTimeout(attempt, total time.Duration) Option {
	return optionFunc(func(c config) config {
		if attempt > 0 {
			c.attemptTimeout = attempt
		}
		if total > 0 {
			c.totalTimeout = total
		}
		return c
	})
}

// WithRetries returns an Option that retries transient faults (connection
// refused or reset, attempt timeout, HTTP 429, 502, 503, 504) up to n times,
// waiting backoff, then twice as long each time (defaults 2 and 200 ms),
// within the total timeout. n = 0 disables retries.
func WithRetries(n int, backoff time.Duration) Option {
	return optionFunc(func(c config) config {
		if n >= 0 {
			c.retries = n
		}
		if backoff > 0 {
			c.backoff = backoff
		}
		return c
	})
}

// WithHintMargin returns an Option that widens the time hint by d on each
// side before passing it to Jaeger (default 15 min): log lines lie inside
// their spans, but a trace's root may start well before its first line.
func WithHintMargin(d time.Duration) Option {
	return optionFunc(func(c config) config {
		if d >= 0 {
			c.hintMargin = d
		}
		return c
	})
}
