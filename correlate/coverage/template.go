package coverage

import "strings"

// maxTemplate caps a template's length; long messages differ in their heads.
const maxTemplate = 160

// Template returns the call-site template of a log message: its first line,
// with quoted strings replaced by "…", and words holding a digit (numbers,
// ids, durations, addresses) or long hex runs by #.
func Template(msg string) string {
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimSpace(msg)
	var b strings.Builder
	b.Grow(min(len(msg), maxTemplate))
	for i := 0; i < len(msg) && b.Len() < maxTemplate; {
		c := msg[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := strings.IndexByte(msg[i+1:], c)
			if j < 0 || (c == '\'' && i > 0 && isWord(msg[i-1])) { // an apostrophe, not a quote
				b.WriteByte(c)
				i++
				continue
			}
			b.WriteByte(c)
			b.WriteString("…")
			b.WriteByte(c)
			i += j + 2
		case isWord(c):
			j := i
			digit, hex := false, true
			for j < len(msg) && isWord(msg[j]) {
				d := msg[j]
				digit = digit || ('0' <= d && d <= '9')
				hex = hex && isHex(d)
				j++
			}
			if digit || (hex && j-i >= 12) {
				b.WriteByte('#')
			} else {
				b.WriteString(msg[i:j])
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// isWord: letters, digits and the characters ids and numbers are made of.
func isWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == '/' || c == '+' || c >= 0x80
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == '-'
}
