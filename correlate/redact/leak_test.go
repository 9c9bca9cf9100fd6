package redact

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// secretMark is in every secret the generators below write under a key
// to mask, and nowhere else.
const secretMark = "Zq7Mark"

// leakGen writes random log entries that hold secrets under the key
// patient_name (in any case, quoted or not, \u-escaped in JSON), at any
// depth of JSON, inside JSON strings, in logfmt and in text.
type leakGen struct {
	r   *rand.Rand
	buf bytes.Buffer
}

// secret is a value with the mark, sometimes with spaces or quotes that
// a value may hold.
func (g *leakGen) secret() string {
	s := []string{secretMark, secretMark + " Person", "Dr " + secretMark, secretMark + `, Jr`}
	return s[g.r.IntN(len(s))]
}

// key is patient_name as a writer may spell it.
func (g *leakGen) key() string {
	k := []string{"patient_name", "PATIENT_NAME", "Patient_Name"}
	return k[g.r.IntN(len(k))]
}

// jsonString writes s as a JSON string, escaping some letters as \u.
func (g *leakGen) jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	escapeAll := g.r.IntN(4) == 0
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		case escapeAll || g.r.IntN(8) == 0:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (g *leakGen) space() string {
	return []string{"", "", " ", "\t", "  "}[g.r.IntN(5)]
}

// plainValue is a JSON value without a secret.
func (g *leakGen) plainValue(depth int) string {
	switch n := g.r.IntN(7); {
	case n == 0:
		return fmt.Sprint(g.r.IntN(1000))
	case n == 1:
		return []string{"true", "false", "null"}[g.r.IntN(3)]
	case n == 2 && depth < 3:
		return g.object(depth+1, false)
	case n == 3 && depth < 3:
		return "[" + g.plainValue(depth+1) + "," + g.space() + g.plainValue(depth+1) + "]"
	default:
		return g.jsonString([]string{"stored", "form a=1", "x: y", "ward 3", "note"}[g.r.IntN(5)])
	}
}

// secretValue is a JSON value that is, or holds, a secret.
func (g *leakGen) secretValue(depth int) string {
	switch g.r.IntN(6) {
	case 0:
		return "{" + g.jsonString("first") + ":" + g.space() + g.jsonString(g.secret()) + "," + g.jsonString("n") + ":1}"
	case 1:
		return "[" + g.space() + g.jsonString(g.secret()) + "," + g.space() + g.plainValue(depth+1) + "]"
	case 2:
		return "[[" + g.jsonString(g.secret()) + "]," + g.space() + "{" + g.jsonString("x") + ":" + g.jsonString(g.secret()) + "}]"
	default:
		return g.jsonString(g.secret())
	}
}

// object writes a JSON object; with secret set, one member (at some depth)
// is the key with a secret value, or a string holding such an entry.
func (g *leakGen) object(depth int, secret bool) string {
	n := 1 + g.r.IntN(4)
	at := -1
	if secret {
		at = g.r.IntN(n)
	}
	var b strings.Builder
	b.WriteString("{" + g.space())
	for i := range n {
		if i > 0 {
			b.WriteString(g.space() + "," + g.space())
		}
		if i != at {
			b.WriteString(g.jsonString([]string{"msg", "level", "ward", "id", "patient"}[g.r.IntN(5)]) + g.space() + ":" + g.space() + g.plainValue(depth))
			continue
		}
		switch {
		case depth < 3 && g.r.IntN(4) == 0:
			// Deeper.
			b.WriteString(g.jsonString("patient") + ":" + g.space() + g.object(depth+1, true))
		case depth < 2 && g.r.IntN(4) == 0:
			// An entry inside a string.
			b.WriteString(g.jsonString("msg") + ":" + g.space() + g.jsonString(g.entry(depth+1)))
		default:
			b.WriteString(g.jsonString(g.key()) + g.space() + ":" + g.space() + g.secretValue(depth))
		}
	}
	b.WriteString(g.space() + "}")
	return b.String()
}

// entry is one log entry holding a secret: JSON, logfmt or text.
func (g *leakGen) entry(depth int) string {
	k, s := g.key(), g.secret()
	switch g.r.IntN(8) {
	case 6:
		// Escapes in text: the key or the value written as \uXXXX or %XX.
		form := `\u%04x`
		if g.r.IntN(2) == 0 {
			form = `%%%02X`
		}
		esc := func(x string) string {
			var b strings.Builder
			for _, c := range x {
				if g.r.IntN(3) > 0 {
					fmt.Fprintf(&b, form, c)
				} else {
					b.WriteRune(c)
				}
			}
			return b.String()
		}
		if g.r.IntN(2) == 0 {
			k = esc(k)
		} else {
			s = esc(secretMark)
		}
		return `2026-12-01T10:00:00Z INFO GET /p?` + k + `=` + s + `&ward=3`
	case 0, 1, 2:
		return g.object(depth, true)
	case 3:
		q := strings.ReplaceAll(s, `"`, `\"`)
		return `level=info msg=stored ` + k + `="` + q + `" ward=3`
	case 4:
		if strings.ContainsAny(s, " ,") {
			s = secretMark
		}
		return `2026-12-01T10:00:00Z INFO stored ` + k + `=` + s + ` ward=3`
	default:
		return `2026-12-01T10:00:00Z INFO stored ` + k + `:` + g.space() + s
	}
}

// revealed reports whether out shows the mark, as written or once its
// escapes (\uXXXX, %XX, \", \\, at any depth) are decoded.
func revealed(out []byte) bool {
	s := string(out)
	for range 4 {
		if strings.Contains(s, secretMark) {
			return true
		}
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+5 < len(s) && s[i+1] == 'u' {
				if c, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
					b.WriteRune(rune(c))
					i += 5
					continue
				}
			}
			if s[i] == '%' && i+2 < len(s) {
				if c, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
					b.WriteByte(byte(c))
					i += 2
					continue
				}
			}
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		s = b.String()
	}
	return strings.Contains(s, secretMark)
}

// TestNoLeakInGeneratedEntries: 20,000 generated entries (JSON at any
// depth, escaped keys and values, objects and arrays as values, entries
// inside JSON strings, logfmt and text), each holding a secret under a
// key to mask: none shows it after redaction, as written or decoded.
func TestNoLeakInGeneratedEntries(t *testing.T) {
	r, err := New(Config{Keys: []string{"patient_name"}})
	if err != nil {
		t.Fatal(err)
	}
	g := &leakGen{r: rand.New(rand.NewPCG(1, 2))}
	leaks := 0
	for i := range 20000 {
		in := g.entry(0)
		if !revealed([]byte(in)) {
			t.Fatalf("case %d: the generator hid its secret: %s", i, in)
		}
		if out := r.Entry([]byte(in)); revealed(out) {
			leaks++
			if leaks <= 5 {
				t.Errorf("case %d leaked:\n in %s\nout %s", i, in, out)
			}
		}
	}
	if leaks > 0 {
		t.Errorf("%d of 20000 entries leaked", leaks)
	}
}

// FuzzNoLeak is TestNoLeakInGeneratedEntries with the generator's seed
// from the fuzzer.
func FuzzNoLeak(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	r, err := New(Config{Keys: []string{"patient_name"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		g := &leakGen{r: rand.New(rand.NewPCG(a, b))}
		in := g.entry(0)
		if out := r.Entry([]byte(in)); revealed(out) {
			t.Errorf("leaked:\n in %s\nout %s", in, out)
		}
	})
}
