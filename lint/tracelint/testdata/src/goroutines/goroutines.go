package goroutines

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/sourcegraph/conc"
	"github.com/sourcegraph/conc/pool"
	"github.com/zeromicro/go-zero/core/logx"
	"golang.org/x/sync/errgroup"
)

type notifier struct {
	log      *slog.Logger
	inflight sync.WaitGroup
}

func (n *notifier) accept(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()

	// Right: the work keeps the request's values but not its cancellation.
	n.inflight.Add(1)
	go func() {
		defer n.inflight.Done()
		n.deliver(context.WithoutCancel(ctx))
	}()

	// The drop: a fresh root for work the request caused.
	go func() {
		n.escalate(context.Background()) // want `goroutine drops the request context ctx: context.Background\(\) starts a fresh trace root; pass context.WithoutCancel\(ctx\), not ctx itself: ctx is cancelled when the request returns, and that would cancel the background work \(escalate logs through it at goroutines.go:\d+\)`
	}()
	go n.escalate(context.TODO()) // want `goroutine drops the request context ctx: context.TODO\(\)`

	go func() {
		n.log.Info("sent") // want `slog.Info in a goroutine drops the request context ctx`
	}()
}

func (n *notifier) deliver(ctx context.Context) { n.log.InfoContext(ctx, "delivered") }

func (n *notifier) escalate(ctx context.Context) {
	n.log.WarnContext(ctx, "escalated")
}

// A worker pool started per request.
func fanOut(ctx context.Context, jobs []string) {
	ch := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				logx.Infof("job %s", j) // want `logx.Infof in a goroutine drops the request context ctx`
				process(context.WithoutCancel(ctx), j)
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
}

func process(ctx context.Context, job string) { logx.WithContext(ctx).Info(job) }

// errgroup: gctx is derived from the request's ctx; Background is a drop.
func errgroups(ctx context.Context, ids []string) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, id := range ids {
		g.Go(func() error {
			process(gctx, id)
			return nil
		})
		g.Go(func() error {
			process(context.Background(), id) // want `goroutine drops the request context gctx: context.Background\(\) starts a fresh trace root; pass context.WithoutCancel\(gctx\)`
			return nil
		})
	}
	return g.Wait()
}

// conc: the same for its WaitGroup and pool.
func concs(ctx context.Context) {
	var wg conc.WaitGroup
	wg.Go(func() { process(context.TODO(), "a") }) // want `goroutine drops the request context ctx`
	wg.Go(func() { process(ctx, "b") })
	wg.Wait()
	p := pool.New()
	p.Go(func() { slog.Info("pooled") }) // want `slog.Info in a goroutine drops the request context ctx`
	p.Wait()
}

// A closure with its own ctx parameter uses that one.
func perItem(ctx context.Context, each func(func(context.Context))) {
	each(func(ctx context.Context) { process(ctx, "item") })
}
