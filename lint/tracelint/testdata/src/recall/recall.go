// Package recall is the shared case set of the recall table in
// lint/README.md: each case is numbered (R1…), and sloglint
// (-ctx-only=scope), contextcheck and tracelint run over this same file.
package recall

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"
	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
)

func call2(ctx context.Context) { slog.InfoContext(ctx, "call2") }

// R1: slog function, ctx parameter.
func r1(ctx context.Context) {
	slog.Info("r1") // want `slog.Info drops the request context ctx`
}

// R2: *slog.Logger method in an http handler.
func r2(log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		log.Warn("r2") // want `slog.Warn drops the request context r.Context\(\)`
	}
}

// R3: slog inside a closure of a function with a ctx.
func r3(ctx context.Context, items []string) {
	for _, it := range items {
		func() { slog.Error("r3", "item", it) }() // want `slog.Error drops the request context ctx`
	}
}

// R4: a go-zero Logic struct: the ctx is a field of the receiver.
type logic struct {
	logx.Logger
	ctx context.Context
}

func (l *logic) r4() {
	slog.Info("r4") // want `slog.Info drops the request context l.ctx`
}

// R5: a Gin handler.
func r5(c *gin.Context) {
	slog.Debug("r5") // want `slog.Debug drops the request context c.Request.Context\(\)`
}

// R6: a fresh root handed to a ctx-taking function.
func r6(ctx context.Context) {
	call2(context.Background()) // want `context.Background\(\) passed to call2`
}

// R7: the same in an http handler.
func r7(w http.ResponseWriter, r *http.Request) {
	call2(context.TODO()) // want `context.TODO\(\) passed to call2`
}

// R8: the same in a HandleFunc closure.
func r8() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		call2(context.Background()) // want `context.Background\(\) passed to call2`
	})
}

// R9: a ctx-less helper that starts its own root, called with a ctx in
// scope (contextcheck: "Function `call3` should pass the context parameter").
func call3() { call2(context.TODO()) }

func r9(ctx context.Context) {
	call3() // want `call3 starts a fresh trace root`
}

// R10: the same, one call further.
func call4() { call3() }

func r10(ctx context.Context) {
	call4() // want `call4 starts a fresh trace root`
}

// R11: a goroutine started from a fresh root.
func r11(ctx context.Context) {
	go call2(context.Background()) // want `goroutine drops the request context ctx`
}

// R12: a span started from a fresh root.
func r12(ctx context.Context, tr trace.Tracer) {
	_, span := tr.Start(context.Background(), "r12") // want `context.Background\(\) passed to Start`
	span.End()
}

// R13: a fresh root in a variable, then used.
func r13(ctx context.Context) {
	bg := context.Background() // want `context.Background\(\) while the request context ctx is in scope`
	call2(bg)
}

// R14: zap without the context.
func r14(ctx context.Context, log *zap.Logger) {
	log.Info("r14") // want `zap Info drops the request context ctx`
}

// R15: zerolog without .Ctx.
func r15(ctx context.Context, log zerolog.Logger) {
	log.Info().Msg("r15") // want `zerolog event drops the request context ctx`
}

// R16: logx without WithContext.
func r16(ctx context.Context) {
	logx.Infof("r16") // want `logx.Infof drops the request context ctx`
}

// R17: an errgroup closure started from a fresh root.
func r17(ctx context.Context) error {
	var g errgroup.Group
	g.Go(func() error {
		call2(context.TODO()) // want `goroutine drops the request context ctx`
		return nil
	})
	return g.Wait()
}

// R18: a ctx only watched for its end is a lifetime (a worker loop's),
// not a request: tracelint stays quiet by design; sloglint reports it.
func r18(ctx context.Context, jobs <-chan string) {
	for {
		select {
		case <-ctx.Done():
			slog.Info("r18 stopped")
			return
		case j := <-jobs:
			slog.Info("r18", "job", j)
		}
	}
}

// N1: right: no report from any.
func n1(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	slog.InfoContext(ctx, "n1")
	call2(r.Context())
	go call2(context.WithoutCancel(ctx))
}
