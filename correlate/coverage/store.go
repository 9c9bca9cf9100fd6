package coverage

import (
	"context"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// StoreSource reads every entry of an index, traced and untraced, in time
// order: the Source of `correlate coverage` and of the service's report.
func StoreSource(r store.Reader) Source {
	return func(ctx context.Context, fn func(*parse.Record, time.Time) bool) error {
		return r.Range(ctx, time.Time{}, time.Time{}, func(e *store.Entry) bool { return fn(&e.Record, e.At) })
	}
}
