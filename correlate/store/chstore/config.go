package chstore

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"
)

// Config says where the ClickHouse servers are and how the store uses them.
type Config struct {
	// Shards are the HTTP base URLs (http://host:8123) of one server per
	// shard, in the order the shards are listed in the cluster's
	// remote_servers. One URL and no Cluster: a single unsharded server.
	Shards []string
	// Cluster is the cluster name in remote_servers that lists Shards; the
	// Distributed tables are created over it. Required with more than one
	// shard.
	Cluster string
	// Database holds the tables (default "traceline"); created if missing.
	Database string
	// User and Password authenticate over HTTP basic auth (default user
	// "default", no password).
	User, Password string
	// Timeout bounds one HTTP request (default 30s).
	Timeout time.Duration
	// SpoolDir, when set, is a folder where Write keeps batches while
	// ClickHouse (or one shard) is unreachable; a background loop sends
	// them, in order, once it is back. Empty: Write returns the error.
	SpoolDir string
	// SpoolBytes caps the spool (default 256 MiB). A Write that would
	// exceed it returns an error wrapping ErrSpoolFull and ErrUnavailable.
	SpoolBytes int64
}

// DefaultConfig returns the configuration of one local server.
func DefaultConfig() Config {
	return Config{
		Shards:     []string{"http://127.0.0.1:8123"},
		Database:   "traceline",
		User:       "default",
		Timeout:    30 * time.Second,
		SpoolBytes: 256 << 20,
	}
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate reports what is wrong with c, after defaults are filled in.
func (c Config) Validate() error {
	if len(c.Shards) == 0 {
		return errors.New("chstore: no shard URL")
	}
	for i, s := range c.Shards {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("chstore: shard %d: %q is not an http(s) URL", i, s)
		}
	}
	if len(c.Shards) > 1 && c.Cluster == "" {
		return errors.New("chstore: several shards need the Cluster name their remote_servers gives them")
	}
	if !identRE.MatchString(c.Database) {
		return fmt.Errorf("chstore: database name %q is not a plain identifier", c.Database)
	}
	if c.Cluster != "" && !identRE.MatchString(c.Cluster) {
		return fmt.Errorf("chstore: cluster name %q is not a plain identifier", c.Cluster)
	}
	if c.SpoolBytes < 0 || c.Timeout < 0 {
		return errors.New("chstore: negative SpoolBytes or Timeout")
	}
	return nil
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Database == "" {
		c.Database = d.Database
	}
	if c.User == "" {
		c.User = d.User
	}
	if c.Timeout == 0 {
		c.Timeout = d.Timeout
	}
	if c.SpoolBytes == 0 {
		c.SpoolBytes = d.SpoolBytes
	}
	return c
}
