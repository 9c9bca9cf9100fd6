package datacollection

import (
	"errors"
	"fmt"
	"net"
	"net/url"
)

// Config is the data-collection service's configuration.
type Config struct {
	// Listen is the host:port the HTTP server listens on.
	Listen string
	// OTLPEndpoint is the host:port of the OTLP/HTTP trace receiver; empty
	// exports nothing.
	OTLPEndpoint string
	// LogFile is the file JSON log lines are appended to; empty is stdout.
	LogFile string
	// Database is the SQLite file the answers are stored in.
	Database string
	// QuestionnaireURL is the base URL of the questionnaire service.
	QuestionnaireURL string
}

// DefaultConfig returns the configuration the service runs with when
// nothing is given.
func DefaultConfig() Config {
	return Config{
		Listen:           "127.0.0.1:8081",
		Database:         "data-collection.db",
		QuestionnaireURL: "http://127.0.0.1:8082",
	}
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("data-collection: Listen %q: %w", c.Listen, err)
	}
	if c.Database == "" {
		return errors.New("data-collection: Database is empty")
	}
	if u, err := url.Parse(c.QuestionnaireURL); err != nil || u.Host == "" {
		return fmt.Errorf("data-collection: QuestionnaireURL %q is not an absolute URL", c.QuestionnaireURL)
	}
	return nil
}
