package search_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/search"
)

func ExampleParseQuery() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v, _ := url.ParseQuery("since=15m&service=worker&level=error&q=timeout&field=patient=P-42&limit=20")
	q, err := search.ParseQuery(v, now)
	fmt.Println(err)
	fmt.Println(q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	fmt.Println(q.Services, q.Levels, q.Text, q.Fields, q.Limit)
	// Output:
	// <nil>
	// 2026-03-01T11:45:00Z 2026-03-01T12:00:00Z
	// [worker] [error] timeout [{patient P-42}] 20
}

func TestParseWindow(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		query    string
		from, to string
		err      bool
	}{
		{"", "2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z", false},
		{"since=2h", "2026-03-01T10:00:00Z", "2026-03-01T12:00:00Z", false},
		{"from=2026-03-01T11:30:00Z", "2026-03-01T11:30:00Z", "2026-03-01T12:00:00Z", false},
		{"to=2026-03-01T06:00:00Z", "2026-03-01T05:00:00Z", "2026-03-01T06:00:00Z", false},
		{"from=2026-03-01T11:30:00%2B01:00&to=2026-03-01T12:00:00Z", "2026-03-01T10:30:00Z", "2026-03-01T12:00:00Z", false},
		{"since=0s", "", "", true},
		{"since=1h&to=2026-03-01T06:00:00Z", "", "", true},
		{"from=2026-03-01T13:00:00Z", "", "", true},
		{"from=noon", "", "", true},
	}
	for _, tt := range tests {
		v, _ := url.ParseQuery(tt.query)
		from, to, err := search.ParseWindow(v, now, time.Hour)
		if tt.err {
			if err == nil {
				t.Errorf("%q: no error", tt.query)
			}
			continue
		}
		if err != nil || from.Format(time.RFC3339) != tt.from || to.Format(time.RFC3339) != tt.to {
			t.Errorf("%q: %s %s %v; want %s %s", tt.query, from.Format(time.RFC3339), to.Format(time.RFC3339), err, tt.from, tt.to)
		}
	}
}
