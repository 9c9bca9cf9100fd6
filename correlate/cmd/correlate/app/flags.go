package app

// Flag values the standard ones lack.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// durationFlag is a time.Duration flag that also takes days ("30d").
type durationFlag struct{ d *time.Duration }

var _ pflag.Value = durationFlag{}

func (f durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return "0"
	}
	if *f.d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(*f.d/(24*time.Hour))) + "d"
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 {
			return fmt.Errorf("bad duration %q", s)
		}
		*f.d = time.Duration(v) * 24 * time.Hour
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("bad duration %q", s)
	}
	*f.d = v
	return nil
}

func (f durationFlag) Type() string { return "duration" }

// listFlag is a string flag that may be given several times; each value
// is kept as given (commas included).
type listFlag struct{ v *[]string }

var _ pflag.Value = listFlag{}

func (l listFlag) String() string {
	if l.v == nil {
		return ""
	}
	return strings.Join(*l.v, ",")
}

func (l listFlag) Set(s string) error { *l.v = append(*l.v, s); return nil }
func (l listFlag) Type() string       { return "stringList" }
