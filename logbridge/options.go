package logbridge

import "github.com/traceline/traceline/internal/settings"

// DefaultBaggageValueLimit is the longest baggage value, in bytes, that
// WithBaggage copies into a line; longer values are cut at a UTF-8 boundary.
const DefaultBaggageValueLimit = 256

// Option configures an adapter: which profiles it writes, the service name
// and the baggage members. Options are made by the With functions of this
// package.
type Option interface {
	apply(*settings.Config)
}

type optionFunc func(*settings.Config)

func (f optionFunc) apply(c *settings.Config) { f(c) }

func init() {
	settings.Resolve = func(opts any) settings.Config {
		list, _ := opts.([]Option)
		return newConfig(list)
	}
}

func newConfig(opts []Option) settings.Config {
	c := settings.Config{BaggageLimit: DefaultBaggageValueLimit}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if len(c.Profiles) == 0 {
		c.Profiles = []settings.Profile{otelProfile.s}
	}
	return c
}

// WithProfile returns an Option that selects the naming profiles to write.
// Several profiles may be given at once (say OTel and Datadog during a
// migration); each key is written once. Without it, OTel is used. Zero
// Profiles are ignored.
func WithProfile(p ...Profile) Option {
	return optionFunc(func(c *settings.Config) {
		for _, pr := range p {
			if pr.valid() {
				c.Profiles = append(c.Profiles[:len(c.Profiles):len(c.Profiles)], pr.s)
			}
		}
	})
}

// WithBaggage returns an Option that copies the named W3C baggage members of
// the context (a trial_id, a tenant) into each line, under their own names.
// Baggage comes from the client, so values are written as plain strings and
// cut to DefaultBaggageValueLimit bytes. Absent members write nothing.
func WithBaggage(keys ...string) Option {
	return optionFunc(func(c *settings.Config) {
		for _, k := range keys {
			if k != "" {
				c.BaggageKeys = append(c.BaggageKeys[:len(c.BaggageKeys):len(c.BaggageKeys)], k)
			}
		}
	})
}

// WithBaggageLimit returns an Option that sets the longest baggage value
// copied into a line, in bytes (at least 1).
func WithBaggageLimit(n int) Option {
	return optionFunc(func(c *settings.Config) {
		if n > 0 {
			c.BaggageLimit = n
		}
	})
}

// WithService returns an Option that writes the service name on every line
// that carries a trace, under the profile's service key, so the correlator
// can place a line even when it lacks a span id.
func WithService(name string) Option {
	return optionFunc(func(c *settings.Config) {
		c.Service = name
	})
}
