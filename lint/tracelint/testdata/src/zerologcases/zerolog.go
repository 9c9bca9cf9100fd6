package zerologcases

import (
	"context"
	"net/http"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/log"
	"github.com/traceline/traceline/adapters/zerologbridge"
)

type worker struct{ log zerolog.Logger }

func (w *worker) accept(rw http.ResponseWriter, r *http.Request) {
	ctx := w.log.WithContext(r.Context())
	w.log.Info().Str("outcome", "accepted").Msg("queued") // want `zerolog event drops the request context ctx: add .Ctx\(ctx\)`
	w.log.Info().Ctx(ctx).Str("outcome", "accepted").Msg("queued")
	zerologbridge.Ctx(ctx).Info().Msg("queued")
	zerolog.Ctx(ctx).Error().Msg("queued")
	log.Info().Int("n", 1).Send() // want `zerolog event drops the request context ctx`
	log.Ctx(ctx).Info().Send()

	l := zerolog.Ctx(ctx)
	l.Warn().Msg("bound by the variable")

	bound := w.log.With().Ctx(ctx).Logger()
	bound.Info().Msg("bound by With().Ctx")
}

// deliver holds the ctx as a parameter; its caller passed the right one.
func (w *worker) deliver(ctx context.Context) {
	w.log.Warn().Msgf("delivered %d", 1) // want `zerolog event drops the request context ctx`
}
