package parse

import (
	"bytes"
	"unicode/utf8"
)

// JSON lines are read by a hand-written scanner: one pass over the bytes,
// each key looked at once, values of unknown keys skipped without being
// decoded, strings unescaped only when they hold a backslash and their key
// matters. Nested objects are read up to maxJSONDepth levels as dotted keys;
// deeper ones and arrays are skipped.

const maxJSONDepth = 4

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && isJSONSpace(b[i]) {
		i++
	}
	return i
}

// scanString reads the string whose opening quote is b[i]; its content is
// b[start:end] and next is the index after the closing quote.
func scanString(b []byte, i int) (start, end int, esc bool, next int, ok bool) {
	start = i + 1
	j := start
	// Keys and most values are short: a plain loop beats IndexByte's call
	// for the first bytes.
	for lim := min(len(b), start+24); j < lim; j++ {
		if c := b[j]; c == '"' {
			return start, j, false, j + 1, true
		} else if c == '\\' {
			j = start
			break
		}
	}
	for {
		if j > len(b) {
			return
		}
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return
		}
		q := j + k
		bs := bytes.IndexByte(b[j:q], '\\')
		if bs < 0 {
			return start, q, esc, q + 1, true
		}
		esc = true
		m := j + bs
		for m < q {
			if b[m] == '\\' {
				m += 2
			} else {
				m++
			}
		}
		if m == q {
			return start, q, true, q + 1, true
		}
		j = m
	}
}

// parseJSON reads the object b (b[0] == '{', trailing space allowed) into
// p. It returns false when b is not one well-formed object.
func (p *parser) parseJSON(b []byte) bool {
	i, ok := p.jsonObject(b, 0, 0, 0)
	if !ok {
		return false
	}
	return skipJSONSpace(b, i) == len(b)
}

// jsonObject reads the object at b[i]; keys are prefixed with
// p.keyBuf[:plen].
func (p *parser) jsonObject(b []byte, i, plen, depth int) (int, bool) {
	i = skipJSONSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, false
		}
		ks, ke, kesc, j, ok := scanString(b, i)
		if !ok {
			return j, false
		}
		i = skipJSONSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return i, false
		}
		i = skipJSONSpace(b, i+1)
		if i >= len(b) {
			return i, false
		}
		kind := fUnknown
		key, fits := p.lowerKey(plen, b[ks:ke])
		if fits && !kesc {
			kind = classifyKey(key)
		}
		switch c := b[i]; c {
		case '"':
			vs, ve, vesc, j, ok := scanString(b, i)
			if !ok {
				return j, false
			}
			if kind != fUnknown {
				v := b[vs:ve]
				if vesc {
					v = p.unescapeJSON(v)
				}
				p.field(kind, v, true)
			}
			i = j
		case '{':
			if depth+1 < maxJSONDepth && fits && !kesc && len(key) < len(p.keyBuf) {
				p.keyBuf[len(key)] = '.'
				i, ok = p.jsonObject(b, i, len(key)+1, depth+1)
			} else {
				i, ok = skipComposite(b, i)
			}
			if !ok {
				return i, false
			}
		case '[':
			i, ok = skipComposite(b, i)
			if !ok {
				return i, false
			}
		default:
			j := i
			for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !isJSONSpace(b[j]) {
				j++
			}
			if j == i || !validLiteral(b[i:j]) {
				return j, false
			}
			if kind != fUnknown && b[i] != 'n' {
				p.field(kind, b[i:j], false)
			}
			i = j
		}
		i = skipJSONSpace(b, i)
		if i >= len(b) {
			return i, false
		}
		switch b[i] {
		case ',':
			i = skipJSONSpace(b, i+1)
		case '}':
			return i + 1, true
		default:
			return i, false
		}
	}
}

// validLiteral accepts true, false, null and number-looking tokens.
func validLiteral(v []byte) bool {
	switch string(v) {
	case "true", "false", "null":
		return true
	}
	c := v[0]
	if c != '-' && (c < '0' || c > '9') {
		return false
	}
	for _, c := range v[1:] {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}

// skipComposite skips the object or array at b[i].
func skipComposite(b []byte, i int) (int, bool) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			_, _, _, j, ok := scanString(b, i)
			if !ok {
				return j, false
			}
			i = j
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
		i++
	}
	return i, false
}

// unescapeJSON decodes the escapes of a JSON string's content into
// p.scratch and returns the decoded bytes.
func (p *parser) unescapeJSON(v []byte) []byte {
	start := len(p.scratch)
	p.scratch = appendUnescapeJSON(p.scratch, v)
	return p.scratch[start:len(p.scratch):len(p.scratch)]
}

// appendUnescapeJSON appends the decoded content of a JSON string to out.
// Broken escapes are kept as written.
func appendUnescapeJSON(out, v []byte) []byte {
	for i := 0; i < len(v); {
		c := v[i]
		if c != '\\' || i+1 >= len(v) {
			j := bytes.IndexByte(v[i+1:], '\\')
			if j < 0 {
				out = append(out, v[i:]...)
				break
			}
			out = append(out, v[i:i+1+j]...)
			i += 1 + j
			continue
		}
		e := v[i+1]
		i += 2
		switch e {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'u':
			r, n := decodeU4(v[i:])
			if n == 0 {
				out = append(out, '\\', 'u')
				continue
			}
			i += n
			if utf16IsSurrogate(r) {
				if len(v) >= i+6 && v[i] == '\\' && v[i+1] == 'u' {
					if r2, n2 := decodeU4(v[i+2:]); n2 != 0 && r2 >= 0xdc00 && r2 < 0xe000 && r < 0xdc00 {
						r = (r-0xd800)<<10 + (r2 - 0xdc00) + 0x10000
						i += 2 + n2
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default: // " \ / and anything else: the character itself
			out = append(out, e)
		}
	}
	return out
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func decodeU4(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	var r rune
	for _, c := range b[:4] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, 0
		}
		r = r<<4 | rune(d)
	}
	return r, 4
}
