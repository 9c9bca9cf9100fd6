package parse

import (
	"math"
	"strconv"
	"time"
)

// Times. Recognised, as a JSON or key=value value or at the start of a
// text line:
//
//   - RFC 3339 and its relatives: 2006-01-02T15:04:05[.frac][Z|±07:00|±0700|±07],
//     with a space instead of the T, a comma instead of the dot, or
//     slashes in the date (Go's log package: 2006/01/02 15:04:05.000000),
//     a zone after a space (Go's Time.String: "… 15:04:05.999 -0700 MST",
//     or " UTC");
//     without a zone the Config.Location applies;
//   - epoch numbers (JSON numbers or digit strings), integer or decimal:
//     the integer part's magnitude picks the unit (< 1e11 seconds, < 1e14
//     milliseconds, < 1e17 microseconds, else nanoseconds), so zap's float
//     `ts` and zerolog's UNIX formats all read right;
//   - at a text line's start only: a time of day (15:04:05.000) or
//     zerolog's console time.Kitchen (3:04PM). Their date is unknown, so
//     Time stays zero (a container time fills it when there is one); they
//     still mark the line as a new entry.
//
// TimePrecision is the resolution as written: time.Second without a
// fraction, 10^(9-d) ns with d fraction digits.

// zoneCache keeps the last fixed zone built, so a file written in one
// offset does not allocate a *time.Location per line.
type zoneCache struct {
	offset int
	loc    *time.Location
}

func (z *zoneCache) get(offset int) *time.Location {
	if offset == 0 {
		return time.UTC
	}
	if z.loc == nil || z.offset != offset {
		z.offset, z.loc = offset, time.FixedZone("", offset)
	}
	return z.loc
}

func digits2(b []byte, i int) (int, bool) {
	if i+2 > len(b) {
		return 0, false
	}
	c0, c1 := b[i]-'0', b[i+1]-'0'
	if c0 > 9 || c1 > 9 {
		return 0, false
	}
	return int(c0)*10 + int(c1), true
}

var precisions = [10]time.Duration{time.Second, 100 * time.Millisecond, 10 * time.Millisecond, time.Millisecond,
	100 * time.Microsecond, 10 * time.Microsecond, time.Microsecond, 100, 10, 1}

// parseDateTime reads a date and time at the start of b and returns how
// many bytes it used.
func (p *parser) parseDateTime(b []byte) (t time.Time, prec time.Duration, n int, ok bool) {
	if len(b) < 19 {
		return
	}
	y1, ok1 := digits2(b, 0)
	y2, ok2 := digits2(b, 2)
	if !ok1 || !ok2 || (b[4] != '-' && b[4] != '/') || b[7] != b[4] {
		return
	}
	mo, ok3 := digits2(b, 5)
	d, ok4 := digits2(b, 8)
	if !ok3 || !ok4 || (b[10] != 'T' && b[10] != ' ' && b[10] != 't') {
		return
	}
	h, ok5 := digits2(b, 11)
	mi, ok6 := digits2(b, 14)
	s, ok7 := digits2(b, 17)
	if !ok5 || !ok6 || !ok7 || b[13] != ':' || b[16] != ':' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60 {
		return
	}
	i := 19
	ns := 0
	prec = time.Second
	if i+1 < len(b) && (b[i] == '.' || b[i] == ',') && b[i+1]-'0' <= 9 {
		i++
		nd := 0
		for ; i < len(b) && b[i]-'0' <= 9; i++ {
			if nd < 9 {
				ns = ns*10 + int(b[i]-'0')
				nd++
			}
		}
		prec = precisions[nd]
		for k := nd; k < 9; k++ {
			ns *= 10
		}
	}
	loc := p.cfg.location()
	spaceZone := false
	if i+1 < len(b) && b[i] == ' ' && (b[i+1] == '+' || b[i+1] == '-') && i+6 <= len(b) {
		// Go's Time.String: "2006-01-02 15:04:05.999999999 -0700 MST"
		if _, ok1 := digits2(b, i+2); ok1 {
			if _, ok2 := digits2(b, i+4); ok2 && (i+6 == len(b) || b[i+6] == ' ') {
				i++
				spaceZone = true
			}
		}
	} else if i+4 <= len(b) && b[i] == ' ' && string(b[i+1:i+4]) == "UTC" && (i+4 == len(b) || b[i+4] == ' ') {
		return time.Date(y1*100+y2, time.Month(mo), d, h, mi, s, ns, time.UTC), prec, i + 4, true
	}
	if i < len(b) {
		switch c := b[i]; c {
		case 'Z', 'z':
			loc = time.UTC
			i++
		case '+', '-':
			oh, okh := digits2(b, i+1)
			if !okh {
				break
			}
			j := i + 3
			om := 0
			if j < len(b) && b[j] == ':' {
				if m, okm := digits2(b, j+1); okm {
					om, j = m, j+3
				}
			} else if m, okm := digits2(b, j); okm {
				om, j = m, j+2
			}
			off := oh*3600 + om*60
			if c == '-' {
				off = -off
			}
			loc = p.zones.get(off)
			i = j
		}
	}
	if spaceZone && i+1 < len(b) && b[i] == ' ' { // the zone's abbreviation
		j := i + 1
		for j < len(b) && j-i <= 6 && (b[j] >= 'A' && b[j] <= 'Z' || b[j] >= '0' && b[j] <= '9' || b[j] == '+' || b[j] == '-') {
			j++
		}
		if j-i-1 >= 3 && (j == len(b) || b[j] == ' ') && normalizeLevel(b[i+1:j]) == "" {
			i = j
		}
	}
	t = time.Date(y1*100+y2, time.Month(mo), d, h, mi, s, ns, loc)
	return t, prec, i, true
}

// parseEpoch reads a whole value as an epoch number.
func parseEpoch(b []byte) (t time.Time, prec time.Duration, ok bool) {
	if len(b) == 0 || len(b) > 40 {
		return
	}
	var ip uint64
	i, nInt := 0, 0
	for ; i < len(b) && b[i]-'0' <= 9; i++ {
		if nInt >= 19 {
			return
		}
		ip = ip*10 + uint64(b[i]-'0')
		nInt++
	}
	if nInt == 0 || ip == 0 {
		return
	}
	var frac uint64
	nFrac := 0
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i]-'0' <= 9; i++ {
			if nFrac < 9 {
				frac = frac*10 + uint64(b[i]-'0')
				nFrac++
			}
		}
	}
	if i != len(b) {
		if b[i] == 'e' || b[i] == 'E' {
			f, err := strconv.ParseFloat(string(b), 64)
			if err != nil || f <= 0 || f > 1e19 {
				return
			}
			return parseEpochUnits(uint64(f), 0, 0)
		}
		return
	}
	return parseEpochUnits(ip, frac, nFrac)
}

// parseEpochUnits picks the unit of an epoch integer by its magnitude.
func parseEpochUnits(ip, frac uint64, nFrac int) (t time.Time, prec time.Duration, ok bool) {
	var unit uint64
	switch {
	case ip < 1e11:
		unit = 1e9
	case ip < 1e14:
		unit = 1e6
	case ip < 1e17:
		unit = 1e3
	default:
		unit = 1
	}
	if ip > math.MaxInt64/unit {
		return
	}
	ns := ip * unit
	p := unit
	for k := 0; k < nFrac; k++ {
		p /= 10
	}
	if p == 0 {
		p = 1
	}
	// frac has nFrac digits of the unit: scale it to nanoseconds.
	scaled := frac * unit
	for k := 0; k < nFrac; k++ {
		scaled /= 10
	}
	ns += scaled
	if ns > math.MaxInt64 {
		return
	}
	return time.Unix(0, int64(ns)).UTC(), time.Duration(p), true
}

// parseTimeValue reads a whole value (JSON string or number, key=value
// value) as a time.
func (p *parser) parseTimeValue(b []byte) (time.Time, time.Duration, bool) {
	b = trimSpace(b)
	if len(b) == 0 {
		return time.Time{}, 0, false
	}
	if t, prec, _, ok := p.parseDateTime(b); ok {
		return t, prec, true
	}
	if b[0]-'0' <= 9 {
		return parseEpoch(b)
	}
	return time.Time{}, 0, false
}

// parseTimePrefix reads a time at the start of a text line. known is false
// for a time of day without a date (Time stays zero). An epoch prefix needs
// nine or more digits, so a line starting with a small number is no entry.
func (p *parser) parseTimePrefix(b []byte) (t time.Time, prec time.Duration, n int, known, ok bool) {
	if len(b) == 0 || b[0]-'0' > 9 {
		return
	}
	if t, prec, n, ok2 := p.parseDateTime(b); ok2 {
		return t, prec, n, true, true
	}
	// time of day, kitchen or epoch
	i := 0
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	if (i == 1 || i == 2) && i+3 <= len(b) && b[i] == ':' {
		if _, ok2 := digits2(b, i+1); !ok2 {
			return
		}
		j := i + 3
		if j+2 <= len(b) && (b[j] == 'A' || b[j] == 'P') && b[j+1] == 'M' {
			return time.Time{}, time.Minute, j + 2, false, true
		}
		if j+3 <= len(b) && b[j] == ':' {
			if _, ok2 := digits2(b, j+1); ok2 {
				j += 3
				if j+1 < len(b) && (b[j] == '.' || b[j] == ',') && b[j+1]-'0' <= 9 {
					j++
					for j < len(b) && b[j]-'0' <= 9 {
						j++
					}
				}
				return time.Time{}, time.Second, j, false, true
			}
		}
		return
	}
	if i >= 9 {
		j := i
		if j+1 < len(b) && b[j] == '.' && b[j+1]-'0' <= 9 {
			j++
			for j < len(b) && b[j]-'0' <= 9 {
				j++
			}
		}
		if j == len(b) || b[j] == ' ' || b[j] == '\t' {
			if t, prec, ok2 := parseEpoch(b[:j]); ok2 {
				return t, prec, j, true, true
			}
		}
	}
	return
}
