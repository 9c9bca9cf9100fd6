package ingest

import (
	"errors"
	"os"
	"time"

	"github.com/traceline/traceline/correlate/parse"
)

// Config says what to read and how. Start from DefaultConfig.
type Config struct {
	// Paths are files, folders and globs.
	Paths []string
	// Exclude are paths (folders included) never read, such as the store's
	// own data folder.
	Exclude []string
	// Parse configures the parser (zone, path-to-service map, line limit).
	Parse parse.Config
	// Host is mixed into fingerprints so that two hosts' identical files
	// stay apart (default: os.Hostname).
	Host string
	// FingerprintBytes is how many leading bytes identify a file.
	FingerprintBytes int
	// BatchEntries caps the entries of one store write.
	BatchEntries int
	// PollInterval is how often a Follower looks for new lines in the
	// files it follows.
	PollInterval time.Duration
	// DiscoverInterval is how often a Follower lists Paths again for new
	// files (it also does at once when a followed file is renamed,
	// removed or truncated, as rotation does).
	DiscoverInterval time.Duration
	// IdleFlush is how long a Follower waits on a quiet file before it
	// emits a text entry held back for continuation lines (a complete
	// JSON object takes none and is written at once).
	IdleFlush time.Duration
	// Progress, when set, is called after each batch (Index; from one
	// reading goroutine at a time, with the sum of all) or poll
	// (Follower). It must be quick.
	Progress func(Stats)
	// Workers is how many files Index reads at once (default: one per
	// core). Files that may hold the same content (same first bytes: a
	// rotated file and its compressed copy) are read by one worker, in
	// turn.
	Workers int
	// Trace, when set, is told every decision about a file: opened at a
	// checkpoint, re-attached under another name, found truncated,
	// closed. It is for finding out why a file was read as it was.
	Trace func(format string, args ...any)
}

// DefaultConfig returns the defaults: 1 KiB fingerprints, 1 MiB lines,
// batches of 8192 entries, a 50 ms poll, a 150 ms idle flush, so that a
// line written to a followed file is in the store within 300 ms, and new
// files looked for every 500 ms, so that a new file's first lines take
// up to 500 ms longer.
func DefaultConfig() Config {
	host, _ := os.Hostname()
	return Config{
		Host:             host,
		FingerprintBytes: 1024,
		BatchEntries:     8192,
		PollInterval:     50 * time.Millisecond,
		DiscoverInterval: 500 * time.Millisecond,
		IdleFlush:        150 * time.Millisecond,
		Parse:            parse.Config{MaxLineBytes: parse.DefaultMaxLineBytes},
	}
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	if len(c.Paths) == 0 {
		return errors.New("ingest: no paths to read")
	}
	if c.FingerprintBytes < 16 {
		return errors.New("ingest: FingerprintBytes below 16")
	}
	if c.Workers < 0 {
		return errors.New("ingest: negative Workers")
	}
	if c.BatchEntries <= 0 || c.PollInterval <= 0 || c.DiscoverInterval <= 0 || c.IdleFlush <= 0 {
		return errors.New("ingest: BatchEntries, PollInterval, DiscoverInterval and IdleFlush must be positive")
	}
	return nil
}

func (c *Config) maxLine() int {
	if c.Parse.MaxLineBytes <= 0 {
		return parse.DefaultMaxLineBytes
	}
	return c.Parse.MaxLineBytes
}

// Stats counts what was read.
type Stats struct {
	Files      int              // files read from (with something new)
	BytesTotal int64            // bytes of the files to read (Index: known up front)
	BytesRead  int64            // bytes read (compressed bytes for .gz files)
	Lines      int64            // physical lines read
	Entries    int64            // entries written
	Traced     int64            // entries with a trace id
	Partial    int              // files whose last line waits for its newline
	Skipped    map[string]int64 // entries skipped or damaged, by reason (parse.Problem names)
	Errors     int              // files that could not be read (Follower: counted once, retried when they change)
	LastError  string
	// Failed names the files skipped because they cannot be read (a
	// damaged or cut .gz, a read error, a file that is not a regular
	// file) and why. Index reads every other file; the Follower tries a
	// failed file again only once it changes (size, time or identity).
	Failed  map[string]string
	Elapsed time.Duration
}

// add adds o's counts to s.
func (s *Stats) add(o Stats) {
	s.Files += o.Files
	s.BytesRead += o.BytesRead
	s.Lines += o.Lines
	s.Entries += o.Entries
	s.Traced += o.Traced
	s.Partial += o.Partial
	s.Errors += o.Errors
	if o.LastError != "" {
		s.LastError = o.LastError
	}
	if s.Skipped == nil {
		s.Skipped = map[string]int64{}
	}
	for k, v := range o.Skipped {
		s.Skipped[k] += v
	}
	for k, v := range o.Failed {
		if s.Failed == nil {
			s.Failed = map[string]string{}
		}
		s.Failed[k] = v
	}
}

func (s *Stats) clone() Stats {
	c := *s
	c.Skipped = make(map[string]int64, len(s.Skipped))
	for k, v := range s.Skipped {
		c.Skipped[k] = v
	}
	if s.Failed != nil {
		c.Failed = make(map[string]string, len(s.Failed))
		for k, v := range s.Failed {
			c.Failed[k] = v
		}
	}
	return c
}
