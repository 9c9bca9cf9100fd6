package parse

import (
	"fmt"
	"strings"
	"time"
)

// DefaultMaxLineBytes is the entry size beyond which an entry is cut and
// marked ProblemTooLong when Config.MaxLineBytes is zero.
const DefaultMaxLineBytes = 1 << 20

// Config tells the parser what a line cannot: the zone of times written
// without one and which service wrote a file. The zero value is usable.
type Config struct {
	// Location is the zone of times written without one (default UTC).
	Location *time.Location
	// Services maps file paths to service names; used when neither the line
	// nor a Kubernetes log path names the service. First match wins.
	Services []PathService
	// MaxLineBytes caps an entry (a physical line, container partials
	// joined, continuation lines folded). Longer entries are cut there and
	// marked ProblemTooLong. Default DefaultMaxLineBytes.
	MaxLineBytes int
	// Redact, when set, rewrites each entry before it is parsed: after
	// container wrappers are removed and partial lines joined, with its
	// continuation lines folded in. What it masks (see package redact)
	// never reaches the Record, so neither Raw nor any field read from it
	// holds it. It must not keep entry. Offsets and line numbers stay
	// those of the file.
	Redact func(entry []byte) []byte
}

// PathService maps files to a service. Pattern is a path.Match glob when it
// holds any of `*?[`, matched against the whole path and, when it has no
// "/", against the base name; otherwise it is a path prefix.
type PathService struct{ Pattern, Service string }

// ParsePathService reads a mapping written GLOB=NAME, as the --service
// flags take it.
func ParsePathService(s string) (PathService, error) {
	pat, name, ok := strings.Cut(s, "=")
	if !ok || pat == "" || name == "" {
		return PathService{}, fmt.Errorf("service mapping %q: want GLOB=NAME", s)
	}
	return PathService{Pattern: pat, Service: name}, nil
}

func (c *Config) location() *time.Location {
	if c == nil || c.Location == nil {
		return time.UTC
	}
	return c.Location
}

func (c *Config) maxLineBytes() int {
	if c == nil || c.MaxLineBytes <= 0 {
		return DefaultMaxLineBytes
	}
	return c.MaxLineBytes
}
