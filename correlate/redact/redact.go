package redact

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Mask replaces every redacted value.
const Mask = "[REDACTED]"

// Config names what to mask. The zero value masks nothing.
type Config struct {
	// Keys are field names whose values are masked, compared without
	// regard to case; in JSON a dotted path ("patient.name") names a
	// nested field.
	Keys []string `yaml:"keys"`
	// Patterns are regular expressions (Go syntax) whose matches are
	// masked anywhere in an entry: in values, keys and plain text.
	Patterns []string `yaml:"patterns"`
}

// Validate reports a pattern that does not compile.
func (c Config) Validate() error {
	_, err := New(c)
	return err
}

// Redactor masks the values of configured keys and the matches of
// configured patterns in log entries. A nil *Redactor masks nothing. It is
// safe for concurrent use.
type Redactor struct {
	keys     map[string]bool // lower-case
	keyRE    *regexp.Regexp  // a key followed by ':' or '=' in text
	patterns []*regexp.Regexp
}

// New compiles c. It returns nil, and no error, when c masks nothing.
func New(c Config) (*Redactor, error) {
	r := &Redactor{keys: map[string]bool{}}
	var alts []string
	for _, k := range c.Keys {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !r.keys[strings.ToLower(k)] {
			r.keys[strings.ToLower(k)] = true
			alts = append(alts, regexp.QuoteMeta(k))
		}
	}
	for _, p := range c.Patterns {
		if p == "" {
			return nil, errors.New("redaction pattern: empty")
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("redaction pattern %q: %w", p, err)
		}
		if re.MatchString("") {
			return nil, fmt.Errorf("redaction pattern %q matches the empty string", p)
		}
		r.patterns = append(r.patterns, re)
	}
	if len(alts) == 0 && len(r.patterns) == 0 {
		return nil, nil
	}
	if len(alts) > 0 {
		// The key, not inside a longer word, in any quotes (escaped ones
		// too: JSON inside a JSON string), then ':' or '='.
		r.keyRE = regexp.MustCompile(`(?i)(?:^|[^\pL\pN_])((?:\\*["'])?)(` + strings.Join(alts, "|") + `)((?:\\*["'])?)[ \t]*[:=][ \t]*`)
	}
	return r, nil
}

// Entry returns entry (one log entry as read, container wrappers already
// removed) with every configured key's value and every pattern match
// masked. A JSON object keeps its shape: a masked value, whatever its type
// (string, number, object, array), becomes the string "[REDACTED]", and
// string values are searched as text too (a JSON line inside a message,
// key=value text inside a field). Escapes (\uXXXX in JSON and in text,
// %XX in text) are decoded before matching. Entry returns entry itself
// when nothing matched.
func (r *Redactor) Entry(entry []byte) []byte {
	if r == nil {
		return entry
	}
	out, _ := r.text(entry, 0)
	return out
}

// String is Entry for a string.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	out, changed := r.text([]byte(s), 0)
	if !changed {
		return s
	}
	return string(out)
}

// maxDepth bounds nesting (JSON inside JSON strings, objects inside
// objects); deeper content is masked whole, never passed through.
const maxDepth = 64

// text redacts one piece of text: a JSON document when it is one, else
// key/value text.
func (r *Redactor) text(b []byte, depth int) ([]byte, bool) {
	if depth > maxDepth {
		return []byte(Mask), true
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		j := jsonRedactor{r: r, in: b}
		if end, ok := j.value(skipSpace(b, 0), "", depth); ok && skipSpace(b, end) == len(b) {
			if !j.changed {
				return b, false
			}
			return append(j.out, b[j.last:]...), true
		}
	}
	out, changed := r.plain(b)
	// Escaped text shows decoded somewhere (a page, a JSON reader): what
	// the decoded form reveals is masked in it.
	for _, dec := range decoders {
		d, ok := dec(out)
		if !ok {
			continue
		}
		if red, ch := r.plain(d); ch {
			out, changed = red, true
		}
	}
	return out, changed
}

// plain masks key/value pairs and pattern matches in text.
func (r *Redactor) plain(b []byte) ([]byte, bool) {
	changed := false
	if r.keyRE != nil {
		var out []byte
		last, from := 0, 0
		for from < len(b) {
			m := r.keyRE.FindSubmatchIndex(b[from:])
			if m == nil {
				break
			}
			for i := range m {
				if m[i] >= 0 {
					m[i] += from
				}
			}
			open := b[m[2]:m[3]]
			vs := m[1]
			ve, repl := valueEnd(b, vs, len(open) > 0 && open[len(open)-1] == '"')
			if vs == ve && !(vs < len(b) && b[vs] != '\n' && b[vs] != '\r') {
				// "key:" ends the line: the value is the next line.
				ve, repl = nextLine(b, vs)
			}
			out = append(out, b[last:vs]...)
			out = append(out, repl...)
			last, from = ve, max(ve, vs+1)
			changed = true
		}
		if changed {
			b = append(out, b[last:]...)
		}
	}
	for _, re := range r.patterns {
		if re.Match(b) {
			b = re.ReplaceAllLiteral(b, []byte(Mask))
			changed = true
		}
	}
	return b, changed
}

// KeyAtEnd reports whether line, a line of text (not JSON), ends with a
// key to mask and its separator ("patient_name:"), so that its value is
// the next line: a reader that cannot see that line yet (the last line of
// a push) must keep it until it can.
func (r *Redactor) KeyAtEnd(line []byte) bool {
	if r == nil || r.keyRE == nil {
		return false
	}
	line = bytes.TrimRight(line, " \t\r\n")
	if t := bytes.TrimSpace(line); len(t) == 0 || t[0] == '{' || t[0] == '[' {
		return false
	}
	ms := r.keyRE.FindAllIndex(line, -1)
	return len(ms) > 0 && ms[len(ms)-1][1] == len(line)
}

// nextLine is the value of a key that ends its line: the next line, when
// it is indented (a YAML-style block).
func nextLine(b []byte, i int) (int, []byte) {
	j := i
	for j < len(b) && (b[j] == '\r' || b[j] == '\n') {
		j++
	}
	if j == i || j >= len(b) || (b[j] != ' ' && b[j] != '\t') {
		return i, nil
	}
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	e := j
	for e < len(b) && b[e] != '\n' {
		e++
	}
	out := append(append([]byte(nil), b[i:j]...), Mask...)
	return e, out
}

// valueEnd finds the end of the value starting at i in text and what
// replaces it. jsonKey says the key was in double quotes: a composite or
// bare value then becomes a quoted mask, so JSON stays JSON.
func valueEnd(b []byte, i int, jsonKey bool) (int, []byte) {
	if i >= len(b) {
		return i, []byte(Mask)
	}
	switch c := b[i]; {
	case c == '\\':
		// An escaped quote: JSON inside a string. The value ends at the
		// same escape sequence.
		j := i
		for j < len(b) && b[j] == '\\' {
			j++
		}
		if j < len(b) && b[j] == '"' {
			q := b[i : j+1]
			if k := bytes.Index(b[j+1:], q); k >= 0 {
				end := j + 1 + k + len(q)
				return end, append(append(append([]byte(nil), q...), Mask...), q...)
			}
		}
	case c == '"' || c == '\'':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case c:
				return j + 1, []byte(string(c) + Mask + string(c))
			case '\n':
				return j, []byte(string(c) + Mask + string(c))
			}
		}
		return len(b), []byte(string(c) + Mask + string(c))
	case c == '{' || c == '[':
		end := compositeEnd(b, i)
		if jsonKey {
			return end, []byte(`"` + Mask + `"`)
		}
		return end, []byte(Mask)
	}
	// Bare: up to a separator, the end of the line, or the next key.
	j := i
	for j < len(b) {
		c := b[j]
		if c == '\n' || c == '\r' || c == ',' || c == ';' || c == '&' || c == '|' || c == ')' || c == ']' || c == '}' || c == '"' || c == '\\' {
			break
		}
		if (c == ' ' || c == '\t') && nextIsKey(b, j) {
			break
		}
		j++
	}
	end := j
	for end > i && (b[end-1] == ' ' || b[end-1] == '\t') {
		end--
	}
	if end == i {
		return i, nil
	}
	if jsonKey {
		return end, []byte(`"` + Mask + `"`)
	}
	return end, []byte(Mask)
}

// nextIsKey reports whether the blanks at i are followed by key= or key:.
func nextIsKey(b []byte, i int) bool {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	s := i
	for i < len(b) && isKeyByte(b[i]) {
		i++
	}
	return i > s && i < len(b) && (b[i] == '=' || b[i] == ':')
}

func isKeyByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c == '@' || c == '/' ||
		c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// compositeEnd finds the bracket closing the one at i (strings skipped,
// lines crossed: a pretty-printed value spans lines); an unclosed one
// runs to the end of its line.
func compositeEnd(b []byte, i int) int {
	depth := 0
	inStr := false
	for j := i; j < len(b); j++ {
		c := b[j]
		switch {
		case inStr:
			if c == '\\' {
				j++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	if k := bytes.IndexByte(b[i:], '\n'); k >= 0 {
		return i + k
	}
	return len(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// EntryFunc compiles c into the function parse.Config.Redact takes: nil
// when c masks nothing.
func (c Config) EntryFunc() (func(entry []byte) []byte, error) {
	r, err := New(c)
	if r == nil || err != nil {
		return nil, err
	}
	return r.Entry, nil
}
