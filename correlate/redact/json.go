package redact

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonRedactor walks one JSON document, copying it to out with masked
// spans replaced. Untouched bytes are copied as they are, so a line that
// needs no mask keeps its exact form.
type jsonRedactor struct {
	r       *Redactor
	in, out []byte
	last    int // in[:last] is settled (copied to out or replaced)
	changed bool
	skip    bool // only find the end of the value
}

func (j *jsonRedactor) replace(start, end int, with []byte) {
	if j.skip {
		return
	}
	j.out = append(j.out, j.in[j.last:start]...)
	j.out = append(j.out, with...)
	j.last = end
	j.changed = true
}

// value reads the value at i under path (dotted keys); it returns the
// index after it, and false when the input is not JSON.
func (j *jsonRedactor) value(i int, path string, depth int) (int, bool) {
	b := j.in
	if i >= len(b) || depth > maxDepth {
		return i, false
	}
	switch b[i] {
	case '{':
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			ke, esc, ok := stringEnd(b, i)
			if !ok {
				return i, false
			}
			key := string(b[i+1 : ke-1])
			if esc {
				if key, ok = unescape(b[i+1 : ke-1]); !ok {
					return i, false
				}
			}
			sub := key
			if path != "" {
				sub = path + "." + key
			}
			if red, ch := j.r.plainPatterns(key); ch && !j.skip {
				j.replace(i, ke, appendQuoted(nil, red))
			}
			i = skipSpace(b, ke)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			vs := skipSpace(b, i+1)
			if !j.skip && j.r.keyMatch(key, sub) {
				ve, ok := skipValue(b, vs, depth)
				if !ok {
					return vs, false
				}
				j.replace(vs, ve, []byte(`"`+Mask+`"`))
				i = ve
			} else {
				if i, ok = j.value(vs, sub, depth+1); !ok {
					return i, false
				}
			}
			i = skipSpace(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				return i + 1, true
			}
			return i, false
		}
	case '[':
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = j.value(i, path, depth+1); !ok {
				return i, false
			}
			i = skipSpace(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == ']' {
				return i + 1, true
			}
			return i, false
		}
	case '"':
		e, esc, ok := stringEnd(b, i)
		if !ok {
			return i, false
		}
		s := b[i+1 : e-1]
		if esc {
			d, ok := unescape(s)
			if !ok {
				return i, false
			}
			s = []byte(d)
		}
		if j.skip {
			return e, true
		}
		if red, ch := j.r.text(s, depth+1); ch {
			j.replace(i, e, appendQuoted(nil, string(red)))
		}
		return e, true
	default:
		e := i
		for e < len(b) && (b[e] == '-' || b[e] == '+' || b[e] == '.' || b[e] >= '0' && b[e] <= '9' || b[e] >= 'a' && b[e] <= 'z' || b[e] >= 'A' && b[e] <= 'Z') {
			e++
		}
		lit := string(b[i:e])
		switch {
		case lit == "true" || lit == "false" || lit == "null":
		case isNumber(lit):
			if _, ch := j.r.plainPatterns(lit); ch && !j.skip {
				j.replace(i, e, []byte(`"`+Mask+`"`))
			}
		default:
			return i, false
		}
		return e, true
	}
}

// keyMatch reports whether a JSON member is to be masked: its key or its
// dotted path is configured.
func (r *Redactor) keyMatch(key, path string) bool {
	if len(r.keys) == 0 {
		return false
	}
	return r.keys[strings.ToLower(key)] || (path != key && r.keys[strings.ToLower(path)])
}

// plainPatterns applies the patterns alone (to a key or a number).
func (r *Redactor) plainPatterns(s string) (string, bool) {
	changed := false
	for _, re := range r.patterns {
		if re.MatchString(s) {
			s = re.ReplaceAllLiteralString(s, Mask)
			changed = true
		}
	}
	return s, changed
}

// skipValue returns the end of the JSON value at i without looking into it.
func skipValue(b []byte, i, depth int) (int, bool) {
	j := jsonRedactor{r: &Redactor{}, in: b, skip: true}
	return j.value(i, "", depth)
}

// stringEnd returns the index after the string starting at b[i] == '"'.
func stringEnd(b []byte, i int) (end int, esc, ok bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '\\':
			esc = true
			j++
		case c == '"':
			return j + 1, esc, true
		case c < 0x20:
			return 0, false, false
		}
	}
	return 0, false, false
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			return false
		}
	}
	return true
}

// unescape decodes the body of a JSON string.
func unescape(s []byte) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch s[i] {
		case '"', '\\', '/':
			b.WriteByte(s[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, ok := hexRune(s[i+1:])
			if !ok {
				return "", false
			}
			b.WriteRune(r)
			i += n
		default:
			return "", false
		}
	}
	return b.String(), true
}

// hexRune reads the XXXX of a \uXXXX escape (and a low surrogate's
// \uXXXX after a high one); n is how many bytes it took.
func hexRune(s []byte) (r rune, n int, ok bool) {
	v, ok := hex4(s)
	if !ok {
		return 0, 0, false
	}
	r, n = rune(v), 4
	if utf16.IsSurrogate(r) {
		if len(s) >= 10 && s[4] == '\\' && s[5] == 'u' {
			if lo, ok := hex4(s[6:]); ok {
				if d := utf16.DecodeRune(r, rune(lo)); d != utf8.RuneError {
					return d, 10, true
				}
			}
		}
		return utf8.RuneError, 4, true
	}
	return r, n, true
}

func hex4(s []byte) (uint16, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var v uint16
	for _, c := range s[:4] {
		d, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	return v, true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendQuoted appends s as a JSON string, escaping only what JSON
// requires.
func appendQuoted(dst []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// decoders turn escaped text into what it shows when decoded: \uXXXX (and
// \xXX) escapes, and %XX URL escapes. Each reports false when the text
// has none.
var decoders = []func([]byte) ([]byte, bool){decodeBackslashU, decodePercent}

func decodeBackslashU(b []byte) ([]byte, bool) {
	var out []byte
	found := false
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			switch b[i+1] {
			case 'u':
				if r, n, ok := hexRune(b[i+2:]); ok {
					if !found {
						out, found = append(out, b[:i]...), true
					}
					out = utf8.AppendRune(out, r)
					i += 1 + n
					continue
				}
			case 'x':
				if i+3 < len(b) {
					h, ok1 := hexDigit(b[i+2])
					l, ok2 := hexDigit(b[i+3])
					if ok1 && ok2 {
						if !found {
							out, found = append(out, b[:i]...), true
						}
						out = append(out, h<<4|l)
						i += 3
						continue
					}
				}
			}
		}
		if found {
			out = append(out, b[i])
		}
	}
	return out, found
}

func decodePercent(b []byte) ([]byte, bool) {
	var out []byte
	found := false
	for i := 0; i < len(b); i++ {
		if b[i] == '%' && i+2 < len(b) {
			h, ok1 := hexDigit(b[i+1])
			l, ok2 := hexDigit(b[i+2])
			if ok1 && ok2 {
				if !found {
					out, found = append(out, b[:i]...), true
				}
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		}
		if found {
			out = append(out, b[i])
		}
	}
	return out, found
}
