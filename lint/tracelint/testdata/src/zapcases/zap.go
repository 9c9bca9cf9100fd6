package zapcases

import (
	"context"
	"errors"
	"net/http"

	"github.com/traceline/traceline/adapters/zapbridge"
	"go.uber.org/zap"
)

type handler struct{ log *zap.Logger }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	h.log.Info("request", zap.String("path", r.URL.Path)) // want `zap Info drops the request context ctx: add zapbridge.Context\(ctx\)`
	h.log.Info("request", zapbridge.Context(ctx), zap.String("path", r.URL.Path))
	h.log.Info("request", zap.Any("ctx", ctx))

	// Bound once, then every call carries it.
	log := h.log.With(zapbridge.Context(ctx))
	log.Info("bound")
	log.Error("failed", zap.Error(errors.New("x")))

	// Sugared: the key-value form takes the context as a value.
	h.log.Sugar().Infow("sugared", "path", r.URL.Path) // want `zap Infow drops the request context ctx: add "context", ctx`
	h.log.Sugar().Infow("sugared", "ctx", ctx)

	// A fresh root as the field is no context at all.
	h.log.Warn("detached", zapbridge.Context(context.Background())) // want `context.Background\(\) passed to Context while the request context ctx is in scope`
}

// A zrpc / gRPC server method: the ctx parameter is the request's.
type userServer struct{ log *zap.Logger }

func (s *userServer) GetUser(ctx context.Context, id string) (string, error) {
	zap.L().Debug("get user", zap.String("id", id)) // want `zap Debug drops the request context ctx`
	return id, nil
}
