package server

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
	"gopkg.in/yaml.v3"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/redact"
)

// Config is everything `correlate serve` needs. Flags, CORRELATE_*
// environment variables and an optional YAML file resolve into it (in that
// order of precedence: flag over environment over file over default).
type Config struct {
	Data     string   `yaml:"data"`      // data folder of the embedded store (the spool's home with ClickHouse)
	Logs     []string `yaml:"logs"`      // files, folders and globs to follow
	Jaeger   string   `yaml:"jaeger"`    // Jaeger query base URL (api/v3, api/traces); "" for logs only
	JaegerUI string   `yaml:"jaeger_ui"` // Jaeger UI base URL for "open in Jaeger" links; defaults to Jaeger
	Listen   string   `yaml:"listen"`    // address to listen on
	Token    string   `yaml:"token"`     // bearer token; required off loopback unless Insecure
	Insecure bool     `yaml:"insecure"`  // serve a non-loopback address without a token
	// AllowedHosts are extra Host header names accepted besides loopback
	// ones (the name a reverse proxy forwards).
	AllowedHosts []string `yaml:"allowed_hosts"`

	MaxBodyBytes   int64         `yaml:"max_body_bytes"`  // largest request body (push ingest)
	Retention      time.Duration `yaml:"retention"`       // drop entries older than this (0 keeps all)
	RetentionBytes int64         `yaml:"retention_bytes"` // drop oldest entries past this index size (0: no limit)
	ExportDelay    time.Duration `yaml:"export_delay"`    // spans younger than this may not be in Jaeger yet
	PollInterval   time.Duration `yaml:"poll_interval"`   // how often followed files are checked
	Redact         RedactConfig  `yaml:"redact"`
	// IngestYield is how long an ingest batch (pushed or followed) waits
	// while trace lookups are in flight before it goes ahead anyway, so
	// lookups stay fast under full ingest. Zero or negative: it never waits.
	IngestYield time.Duration `yaml:"ingest_yield"`
	// PageLines is the most lines of a trace one answer holds (the
	// trace endpoints' default and largest ?limit=); the rest comes page
	// by page. Zero means store.DefaultPageLines.
	PageLines int `yaml:"page_lines"`
	// Services map followed files to the service of their lines that name
	// none, each GLOB=NAME (the GLOB matched on the path as configured and
	// made absolute); the first match wins.
	Services []string `yaml:"services"`
	// Untraced says how the embedded store keeps entries without a trace
	// id: "compact" (the default: time, level, service, caller and the
	// start of the message, no raw line), "full" (the raw line too, so
	// search's field and text conditions see all of it) or "none".
	Untraced string `yaml:"untraced"`

	// ClickHouse, when set, keeps the index in ClickHouse instead of the
	// embedded store: one HTTP URL per shard, in remote_servers order.
	// Replicas of `correlate serve` share it; each follows its own node's
	// files and keeps only a bounded spool for when ClickHouse is away.
	ClickHouse         []string `yaml:"clickhouse"`
	ClickHouseCluster  string   `yaml:"clickhouse_cluster"`  // remote_servers cluster naming the shards
	ClickHouseDatabase string   `yaml:"clickhouse_database"` // default traceline
	SpoolBytes         int64    `yaml:"spool_bytes"`         // cap of the spool in DATA/spool (default 256 MiB)

	// TracerProvider makes the server span of each request (set by the
	// binary, not by a file): one with an exporter sends them to a
	// collector. Nil: spans that only give the service's log lines their
	// ids, never sampled unless the caller's span is.
	TracerProvider trace.TracerProvider `yaml:"-"`
}

// RedactConfig masks patient data at ingest, before anything is stored
// (see package redact).
type RedactConfig = redact.Config

// DefaultConfig returns the configuration `correlate serve` starts from.
func DefaultConfig() Config {
	return Config{
		Listen:       "127.0.0.1:8089",
		MaxBodyBytes: 8 << 20,
		ExportDelay:  10 * time.Second,
		PollInterval: 50 * time.Millisecond,
		IngestYield:  500 * time.Millisecond,
	}
}

// Validate reports the first thing in c that would keep the service from
// running safely, as an error a person can act on.
func (c Config) Validate() error {
	if c.Data == "" {
		return errors.New("no data folder: give --data DIR (with --clickhouse it holds only the spool)")
	}
	if len(c.ClickHouse) > 1 && c.ClickHouseCluster == "" {
		return errors.New("several --clickhouse shards need --clickhouse-cluster, the remote_servers cluster that lists them")
	}
	for _, u := range c.ClickHouse {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("--clickhouse %q: want a ClickHouse HTTP URL such as http://127.0.0.1:8123", u)
		}
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", c.Listen, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("listen address %q: bad port", c.Listen)
	}
	if !isLoopbackHost(host) && c.Token == "" && !c.Insecure {
		return fmt.Errorf("listen address %q is reachable from other machines: give --token T (or CORRELATE_TOKEN), or --insecure to serve it without one", c.Listen)
	}
	for _, u := range []struct{ name, v string }{{"--jaeger", c.Jaeger}, {"--jaeger-ui", c.JaegerUI}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%s %q: want an http(s) URL such as http://127.0.0.1:16686", u.name, u.v)
		}
	}
	if c.MaxBodyBytes <= 0 {
		return fmt.Errorf("max body bytes must be positive, got %d", c.MaxBodyBytes)
	}
	if c.Retention < 0 || c.RetentionBytes < 0 || c.ExportDelay < 0 {
		return errors.New("retention, retention bytes and export delay cannot be negative")
	}
	if c.PageLines < 0 {
		return fmt.Errorf("page lines cannot be negative, got %d", c.PageLines)
	}
	if c.PollInterval <= 0 {
		return fmt.Errorf("poll interval must be positive, got %s", c.PollInterval)
	}
	for _, m := range c.Services {
		if _, err := parse.ParsePathService(m); err != nil {
			return fmt.Errorf("--service: %w", err)
		}
	}
	switch c.Untraced {
	case "", "compact", "full", "none":
	default:
		return fmt.Errorf("untraced %q: want compact, full or none", c.Untraced)
	}
	if err := c.Redact.Validate(); err != nil {
		return err
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoadFile reads a YAML configuration file over c.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// LoadEnv applies CORRELATE_* environment variables over c. lookup is
// os.LookupEnv in the binary and a map in tests.
func (c *Config) LoadEnv(lookup func(string) (string, bool)) error {
	str := func(name string, dst *string) {
		if v, ok := lookup("CORRELATE_" + name); ok {
			*dst = v
		}
	}
	str("DATA", &c.Data)
	str("JAEGER", &c.Jaeger)
	str("JAEGER_UI", &c.JaegerUI)
	str("LISTEN", &c.Listen)
	str("TOKEN", &c.Token)
	str("CLICKHOUSE_CLUSTER", &c.ClickHouseCluster)
	str("CLICKHOUSE_DATABASE", &c.ClickHouseDatabase)
	str("UNTRACED", &c.Untraced)
	if v, ok := lookup("CORRELATE_CLICKHOUSE"); ok {
		c.ClickHouse = splitList(v)
	}
	if v, ok := lookup("CORRELATE_LOGS"); ok {
		c.Logs = splitList(v)
	}
	if v, ok := lookup("CORRELATE_ALLOWED_HOSTS"); ok {
		c.AllowedHosts = splitList(v)
	}
	if v, ok := lookup("CORRELATE_INSECURE"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("CORRELATE_INSECURE=%q: want true or false", v)
		}
		c.Insecure = b
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"RETENTION", &c.Retention}, {"EXPORT_DELAY", &c.ExportDelay}, {"POLL_INTERVAL", &c.PollInterval}, {"INGEST_YIELD", &c.IngestYield}} {
		if v, ok := lookup("CORRELATE_" + d.name); ok {
			x, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("CORRELATE_%s=%q: %w", d.name, v, err)
			}
			*d.dst = x
		}
	}
	if v, ok := lookup("CORRELATE_MAX_BODY_BYTES"); ok {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("CORRELATE_MAX_BODY_BYTES=%q: %w", v, err)
		}
		c.MaxBodyBytes = x
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
