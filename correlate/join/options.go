package join

import "time"

// Defaults of the options.
const (
	DefaultSkewTolerance = time.Second
	DefaultExportDelay   = 10 * time.Second
	// MaxCandidates caps the span ids an ambiguous record lists.
	MaxCandidates = 8
)

// Option configures Join.
type Option interface{ apply(config) config }

type config struct {
	skew      time.Duration
	delay     time.Duration
	now       func() time.Time
	sourceErr string
}

func newConfig(opts []Option) config {
	c := config{skew: DefaultSkewTolerance, delay: DefaultExportDelay, now: time.Now}
	for _, o := range opts {
		c = o.apply(c)
	}
	return c
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithSkewTolerance returns an Option that sets how far a record's time may
// lie outside its span before the record is marked Skewed (clocks of the
// logging host and the tracing host differ, and loggers stamp before or
// after the span's own clock reads). Negative values count as zero.
func WithSkewTolerance(d time.Duration) Option {
	return optionFunc(func(c config) config {
		c.skew = max(d, 0)
		return c
	})
}

// WithExportDelay returns an Option that sets the exporters' delay: an
// unplaced record younger than this is "not yet exported" rather than lost.
// Zero turns the rule off.
func WithExportDelay(d time.Duration) Option {
	return optionFunc(func(c config) config {
		c.delay = max(d, 0)
		return c
	})
}

// WithNow returns an Option that sets the clock the export delay is measured
// against (tests, or replaying old data as if live).
func WithNow(now func() time.Time) Option {
	return optionFunc(func(c config) config {
		if now != nil {
			c.now = now
		}
		return c
	})
}

// WithSourceError returns an Option that tells Join the trace source failed
// with err: unplaced records get the reason "trace unavailable" and
// Trace.SourceError holds err's text. A nil err changes nothing.
func WithSourceError(err error) Option {
	return optionFunc(func(c config) config {
		if err != nil {
			c.sourceErr = err.Error()
		}
		return c
	})
}
