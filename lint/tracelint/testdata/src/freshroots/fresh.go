package freshroots

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

type client struct{ hc *http.Client }

func (c *client) Fetch(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	_, err = c.hc.Do(req)
	return err
}

type svc struct {
	tracer trace.Tracer
	c      *client
}

func (s *svc) handle(w http.ResponseWriter, r *http.Request) {
	ctx, span := s.tracer.Start(r.Context(), "handle")
	defer span.End()

	_, child := s.tracer.Start(context.Background(), "lookup") // want `context.Background\(\) passed to Start while the request context ctx is in scope: a fresh trace root; pass ctx`
	child.End()
	_ = s.c.Fetch(context.TODO(), "http://questionnaire/forms") // want `context.TODO\(\) passed to Fetch while the request context ctx is in scope`
	slog.InfoContext(context.Background(), "fetched")           // want `context.Background\(\) passed to InfoContext`

	// A derived context with its own deadline, cut from the request.
	tctx, cancel := context.WithTimeout(context.Background(), time.Second) // want `context.Background\(\) while the request context ctx is in scope: a fresh trace root; for work that must outlive the request use context.WithoutCancel\(ctx\)`
	defer cancel()
	_ = s.c.Fetch(tctx, "http://questionnaire/forms")

	// The right ctx handed to a helper.
	_ = s.c.Fetch(ctx, "http://questionnaire/forms")
}

// Shadowed: the inner ctx is a fresh root that hides the request's.
func (s *svc) shadowed(ctx context.Context) {
	if true {
		ctx := context.Background() // want `context.Background\(\) while the request context ctx is in scope`
		slog.InfoContext(ctx, "shadowed")
	}
	{
		// The request's ctx is hidden here and no other can be named.
		ctx := "not a context"
		slog.Info(ctx)
	}
}

// main has no request: fresh roots are where they belong.
func main() {
	ctx := context.Background()
	s := &svc{}
	s.shadowed(ctx)
}

// A root the author already marked deliberate for contextcheck: a batch
// merged from many requests belongs to none of them.
func (s *svc) merge(ctx context.Context) {
	merged := context.Background() //nolint:contextcheck // a batch of many requests
	_ = s.c.Fetch(merged, "http://questionnaire/batch")
}

// Quiet: a root handed back to the caller, a metric instrument's, and the
// roots of start-up code (a constructor's own, or one it is called for).
func (s *svc) restore(ctx context.Context, stored bool) (context.Context, bool) {
	if !stored {
		return context.Background(), false
	}
	return ctx, true
}

func (s *svc) count(ctx context.Context, c metric.Int64Counter) {
	c.Add(context.Background(), 1)
}

func NewClient(ctx context.Context) *client {
	_ = (&client{}).Fetch(context.Background(), "http://questionnaire/warmup")
	return &client{}
}

func newShard() *client {
	_ = (&client{}).Fetch(context.Background(), "http://questionnaire/warmup")
	return &client{}
}

func (s *svc) route(ctx context.Context) *client { return newShard() }
