package questionnaire

import (
	"errors"
	"fmt"
	"net"
)

// Config is the questionnaire service's configuration.
type Config struct {
	// Listen is the host:port the HTTP server listens on.
	Listen string
	// OTLPEndpoint is the host:port of the OTLP/HTTP trace receiver; empty
	// exports nothing.
	OTLPEndpoint string
	// LogFile is the file JSON log lines are appended to; empty is stdout.
	LogFile string
}

// DefaultConfig returns the configuration the service runs with when
// nothing is given.
func DefaultConfig() Config {
	return Config{Listen: "127.0.0.1:8082"}
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if c.Listen == "" {
		return errors.New("questionnaire: Listen is empty")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("questionnaire: Listen %q: %w", c.Listen, err)
	}
	return nil
}
