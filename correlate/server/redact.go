package server

import (
	"fmt"
	"regexp"
	"strings"
)

// redactor masks configured keys and patterns in a raw log line before it
// is parsed and stored, so patient data never reaches the index.
type redactor struct {
	keys     []string // lower-case
	keyRE    *regexp.Regexp
	patterns []*regexp.Regexp
}

const redactedValue = "[REDACTED]"

func newRedactor(c RedactConfig) (*redactor, error) {
	r := &redactor{}
	var alts []string
	for _, k := range c.Keys {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		r.keys = append(r.keys, strings.ToLower(k))
		alts = append(alts, regexp.QuoteMeta(k))
	}
	if len(alts) > 0 {
		// "key":"value" in JSON, key=value or key="value" in logfmt/text.
		r.keyRE = regexp.MustCompile(`(?i)("(?:` + strings.Join(alts, "|") + `)"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]+)` +
			`|(\b(?:` + strings.Join(alts, "|") + `)=)("(?:[^"\\]|\\.)*"|\S+)`)
	}
	for _, p := range c.Patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("redaction pattern %q: %w", p, err)
		}
		r.patterns = append(r.patterns, re)
	}
	return r, nil
}

func (r *redactor) empty() bool { return r == nil || (r.keyRE == nil && len(r.patterns) == 0) }

// Line returns line with every configured key's value and every pattern
// match masked. It returns line itself when nothing matched.
func (r *redactor) Line(line []byte) []byte {
	if r.empty() {
		return line
	}
	if r.keyRE != nil {
		line = r.keyRE.ReplaceAllFunc(line, func(m []byte) []byte {
			sub := r.keyRE.FindSubmatchIndex(m)
			var prefix []byte
			quoted := false
			if sub[2] >= 0 {
				prefix = m[sub[2]:sub[3]]
				quoted = m[sub[4]] == '"'
			} else {
				prefix = m[sub[6]:sub[7]]
				quoted = m[sub[8]] == '"'
			}
			out := append([]byte(nil), prefix...)
			if quoted || sub[2] >= 0 {
				return append(append(append(out, '"'), redactedValue...), '"')
			}
			return append(out, redactedValue...)
		})
	}
	for _, re := range r.patterns {
		line = re.ReplaceAllLiteral(line, []byte(redactedValue))
	}
	return line
}
