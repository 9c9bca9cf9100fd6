package parse

import (
	"bytes"
	"time"
)

// Container wrappers, recognised line by line (a file may mix them):
//
//   - Kubernetes CRI: "<RFC3339Nano time> <stdout|stderr> <P|F>[:tags] <payload>".
//     P records are parts of one line, joined until the F record;
//   - Docker json-file: {"log":"<escaped payload>\n","stream":"stdout","time":"…"}
//     (other keys allowed). An entry whose log does not end in "\n" is a
//     part of a line Docker split at 16 KB; parts are joined until one ends
//     in "\n". An object with "log" but neither "stream" nor "time" is an
//     application's JSON line, not a wrapper.
//
// Parts are joined per stream, so interleaved stdout and stderr lines do
// not mix. The payload is then parsed like any line; the wrapper's time is
// the record's time when the payload has none, and Record.Stream is set.
// Both wrappers write RFC3339Nano, which drops trailing zeros, so their
// times count as nanosecond-precise whatever digits show.

const (
	streamStdout = 0
	streamStderr = 1
)

var streamNames = [2]string{"stdout", "stderr"}

// parseCRI splits a CRI line.
func (p *parser) parseCRI(line []byte) (t time.Time, prec time.Duration, stream int, partial bool, payload []byte, ok bool) {
	sp := bytes.IndexByte(line, ' ')
	if sp < 20 || sp+9 > len(line) || line[sp+1] != 's' || line[sp+7] != ' ' {
		return
	}
	rest := line[sp+1:]
	switch {
	case bytes.HasPrefix(rest, []byte("stdout ")):
		stream = streamStdout
	case bytes.HasPrefix(rest, []byte("stderr ")):
		stream = streamStderr
	default:
		return
	}
	rest = rest[7:]
	if len(rest) == 0 || (rest[0] != 'P' && rest[0] != 'F') {
		return
	}
	partial = rest[0] == 'P'
	t, _, n, ok1 := p.parseDateTime(line[:sp])
	if !ok1 || n != sp {
		return
	}
	i := 1
	if i < len(rest) && rest[i] == ':' { // further tags
		for i < len(rest) && rest[i] != ' ' {
			i++
		}
	}
	if i < len(rest) {
		if rest[i] != ' ' {
			return
		}
		i++
	}
	return t, time.Nanosecond, stream, partial, rest[i:], true
}

// parseDocker reads a json-file entry, appending the decoded log to buf.
// isDocker is false when the line is no wrapper (or a broken one: bad).
func (p *parser) parseDocker(line, buf []byte) (out []byte, t time.Time, prec time.Duration, stream int, complete, isDocker, bad bool) {
	out = buf
	bad = true
	b := trimRightSpace(line)
	i := skipJSONSpace(b, 1)
	var logVal []byte
	var logEsc, hasLog, hasMeta bool
	for i < len(b) && b[i] == '"' {
		ks, ke, _, j, ok := scanString(b, i)
		if !ok {
			return
		}
		key := b[ks:ke]
		i = skipJSONSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return
		}
		i = skipJSONSpace(b, i+1)
		if i >= len(b) {
			return
		}
		if b[i] == '"' {
			vs, ve, esc, j, ok := scanString(b, i)
			if !ok {
				return
			}
			v := b[vs:ve]
			switch string(key) {
			case "log":
				logVal, logEsc, hasLog = v, esc, true
			case "stream":
				hasMeta = true
				if string(v) == "stderr" {
					stream = streamStderr
				}
			case "time":
				hasMeta = true
				t, _, _, _ = p.parseDateTime(v)
				prec = time.Nanosecond
			}
			i = j
		} else if b[i] == '{' || b[i] == '[' {
			j, ok := skipComposite(b, i)
			if !ok {
				return
			}
			i = j
		} else {
			j := i
			for j < len(b) && b[j] != ',' && b[j] != '}' {
				j++
			}
			i = j
		}
		i = skipJSONSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipJSONSpace(b, i+1)
			continue
		}
		break
	}
	if !hasLog || !hasMeta || i != len(b)-1 || b[i] != '}' {
		return buf, time.Time{}, 0, 0, false, false, hasLog && hasMeta || i < len(b)-1
	}
	start := len(out)
	if logEsc {
		out = appendUnescapeJSON(out, logVal)
	} else {
		out = append(out, logVal...)
	}
	complete = len(out) > start && out[len(out)-1] == '\n'
	if complete {
		out = out[:len(out)-1]
		if len(out) > start && out[len(out)-1] == '\r' {
			out = out[:len(out)-1]
		}
	}
	return out, t, prec, stream, complete, true, false
}
