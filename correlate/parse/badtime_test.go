package parse_test

import (
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/parse"
)

// TestTimeOutsideIndexRange: a time the index cannot order by (its Unix
// nanoseconds overflow: year 0000, 9999 as "never") is not the entry's
// time; the entry is kept, marked bad_time, and takes its container's time
// when it has one.
func TestTimeOutsideIndexRange(t *testing.T) {
	cri := time.Date(2024, 3, 1, 10, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name, line string
		want       time.Time
		bad        bool
	}{
		{"year 9999", `{"ts":"9999-12-31T23:59:59Z","msg":"m"}`, time.Time{}, true},
		{"year 0000", `0000-01-01T00:00:00Z INFO m`, time.Time{}, true},
		{"last representable second", `{"time":"2262-04-11T23:47:16Z","msg":"m"}`, time.Date(2262, 4, 11, 23, 47, 16, 0, time.UTC), false},
		{"first representable second", `{"time":"1677-09-21T00:12:44Z","msg":"m"}`, time.Date(1677, 9, 21, 0, 12, 44, 0, time.UTC), false},
		{"past the last", `{"time":"2262-04-11T23:47:17Z","msg":"m"}`, time.Time{}, true},
		{"container time stands in", `2024-03-01T10:00:00.123456789Z stdout F {"ts":"9999-12-31T23:59:59Z","msg":"m"}`, cri, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Through the Assembler, which also unwraps containers.
			a := parse.NewAssembler("app.log", parse.Config{})
			recs := a.Flush(a.Add(nil, []byte(tt.line), 0, 1))
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			r := recs[0]
			if !r.Time.Equal(tt.want) {
				t.Errorf("time %v, want %v", r.Time, tt.want)
			}
			if got := r.Problems&parse.ProblemBadTime != 0; got != tt.bad {
				t.Errorf("bad_time %v, want %v (problems %v)", got, tt.bad, r.Problems)
			}
			if r.Msg != "m" {
				t.Errorf("message %q: the entry must be kept", r.Msg)
			}
			if !r.Time.IsZero() && !time.Unix(0, r.Time.UnixNano()).Equal(r.Time) {
				t.Errorf("time %v does not survive Unix nanoseconds", r.Time)
			}
		})
	}
}
