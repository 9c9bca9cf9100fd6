package eproapi

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// Config is the gateway's configuration.
type Config struct {
	// Listen is the host:port the HTTP server listens on; go-zero needs a
	// fixed port.
	Listen string
	// OTLPEndpoint is the host:port of the OTLP/HTTP trace receiver; empty
	// exports nothing.
	OTLPEndpoint string
	// SampleRatio is the share of requests traced, decided here once for
	// the whole request (the services behind follow the parent).
	SampleRatio float64
	// LogFile is the file JSON log lines are appended to; empty is stdout.
	LogFile string
	// Token is the bearer token a patient's app must present.
	Token string
	// QuestionnaireURL, DataCollectionURL and NotifyURL are the base URLs
	// of the services behind the gateway.
	QuestionnaireURL  string
	DataCollectionURL string
	NotifyURL         string
}

// DefaultConfig returns the configuration the service runs with when
// nothing is given.
func DefaultConfig() Config {
	return Config{
		Listen:            "127.0.0.1:8080",
		SampleRatio:       0.5,
		Token:             "demo-patient-token",
		DataCollectionURL: "http://127.0.0.1:8081",
		QuestionnaireURL:  "http://127.0.0.1:8082",
		NotifyURL:         "http://127.0.0.1:8083",
	}
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if _, _, err := hostPort(c.Listen); err != nil {
		return err
	}
	if c.SampleRatio < 0 || c.SampleRatio > 1 {
		return fmt.Errorf("epro-api: SampleRatio %v is outside 0..1", c.SampleRatio)
	}
	if c.Token == "" {
		return errors.New("epro-api: Token is empty")
	}
	for name, s := range map[string]string{"QuestionnaireURL": c.QuestionnaireURL,
		"DataCollectionURL": c.DataCollectionURL, "NotifyURL": c.NotifyURL} {
		if u, err := url.Parse(s); err != nil || u.Host == "" {
			return fmt.Errorf("epro-api: %s %q is not an absolute URL", name, s)
		}
	}
	return nil
}

func hostPort(listen string) (string, int, error) {
	host, p, err := net.SplitHostPort(listen)
	if err != nil {
		return "", 0, fmt.Errorf("epro-api: Listen %q: %w", listen, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("epro-api: Listen %q: go-zero needs a fixed port", listen)
	}
	return host, port, nil
}
