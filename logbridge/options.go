package logbridge

// DefaultBaggageValueLimit is the longest baggage value, in bytes, that
// WithBaggage copies into a line; longer values are cut at a UTF-8 boundary.
const DefaultBaggageValueLimit = 256

// Option configures a Bridge, and through it an adapter.
type Option interface {
	apply(config) config
}

type config struct {
	profiles     []Profile
	baggageKeys  []string
	baggageLimit int
	service      string
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

func newConfig(opts []Option) config {
	c := config{baggageLimit: DefaultBaggageValueLimit}
	for _, o := range opts {
		if o != nil {
			c = o.apply(c)
		}
	}
	if len(c.profiles) == 0 {
		c.profiles = []Profile{OTel}
	}
	return c
}

// WithProfile returns an Option that selects the naming profiles to write.
// Several profiles may be given at once (say OTel and Datadog during a
// migration); each key is written once. Without it, OTel is used. Zero
// Profiles are ignored.
func WithProfile(p ...Profile) Option {
	return optionFunc(func(c config) config {
		for _, pr := range p {
			if pr.valid() {
				c.profiles = append(c.profiles[:len(c.profiles):len(c.profiles)], pr)
			}
		}
		return c
	})
}

// WithBaggage returns an Option that copies the named W3C baggage members of
// the context (a trial_id, a tenant) into each line, under their own names.
// Baggage comes from the client, so values are written as plain strings and
// cut to DefaultBaggageValueLimit bytes. Absent members write nothing.
func WithBaggage(keys ...string) Option {
	return optionFunc(func(c config) config {
		for _, k := range keys {
			if k != "" {
				c.baggageKeys = append(c.baggageKeys[:len(c.baggageKeys):len(c.baggageKeys)], k)
			}
		}
		return c
	})
}

// WithBaggageLimit returns an Option that sets the longest baggage value
// copied into a line, in bytes (at least 1).
func WithBaggageLimit(n int) Option {
	return optionFunc(func(c config) config {
		if n > 0 {
			c.baggageLimit = n
		}
		return c
	})
}

// WithService returns an Option that writes the service name on every line
// that carries a trace, under the profile's service key, so the correlator
// can place a line even when it lacks a span id.
func WithService(name string) Option {
	return optionFunc(func(c config) config {
		c.service = name
		return c
	})
}
