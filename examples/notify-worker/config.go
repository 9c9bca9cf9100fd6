package notifyworker

import (
	"fmt"
	"net"
	"time"
)

// Config is the notify-worker's configuration.
type Config struct {
	// Listen is the host:port the HTTP server listens on.
	Listen string
	// OTLPEndpoint is the host:port of the OTLP/HTTP trace receiver; empty
	// exports nothing.
	OTLPEndpoint string
	// LogFile is the file JSON log lines are appended to; empty is stdout.
	LogFile string
	// DeliveryTime is how long delivering one notification takes (the
	// stand-in for a mail or pager call).
	DeliveryTime time.Duration
}

// DefaultConfig returns the configuration the service runs with when
// nothing is given.
func DefaultConfig() Config {
	return Config{Listen: "127.0.0.1:8083", DeliveryTime: 30 * time.Millisecond}
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("notify-worker: Listen %q: %w", c.Listen, err)
	}
	if c.DeliveryTime < 0 {
		return fmt.Errorf("notify-worker: DeliveryTime %v is negative", c.DeliveryTime)
	}
	return nil
}
