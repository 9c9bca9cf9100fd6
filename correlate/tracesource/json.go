package tracesource

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// flexUint is a uint64 written either as a JSON number or as a string, as
// protobuf JSON writes 64-bit integers ("startTimeUnixNano": "17…").
type flexUint uint64

func (u *flexUint) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" || s == "" {
		*u = 0
		return nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		// A float such as 1.7e18 from a tool that went through float64.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f < 0 || f >= math.MaxUint64 || math.IsNaN(f) {
			return fmt.Errorf("not an unsigned integer: %.40q", s)
		}
		v = uint64(f)
	}
	*u = flexUint(v)
	return nil
}

// flexInt is flexUint for signed integers.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" || s == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f < math.MinInt64 || f >= math.MaxInt64 || math.IsNaN(f) {
			return fmt.Errorf("not an integer: %.40q", s)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// flexEnum is a protobuf enum written as its number or as its name
// ("SPAN_KIND_SERVER", "STATUS_CODE_ERROR"). Name keeps the upper-case name
// without its prefix when it was written as a name.
type flexEnum struct {
	Num  int64
	Name string
}

func (e *flexEnum) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if n, err := strconv.ParseInt(s, 10, 32); err == nil {
			e.Num = n
			return nil
		}
		s = strings.ToUpper(s)
		s = strings.TrimPrefix(s, "SPAN_KIND_")
		s = strings.TrimPrefix(s, "STATUS_CODE_")
		e.Name = s
		return nil
	}
	var n flexInt
	if err := n.UnmarshalJSON(b); err != nil {
		return err
	}
	e.Num = int64(n)
	return nil
}

// snippet quotes the start of a body for an error message.
func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	const max = 120
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}
