package zerologbridge

import (
	"context"

	"github.com/rs/zerolog"
)

// Ctx returns the logger stored in ctx (zerolog.Ctx: the one put there with
// Logger.WithContext, else zerolog.DefaultContextLogger, else a disabled
// logger), bound to ctx so that its events carry ctx's span without an
// explicit Event.Ctx:
//
//	zerologbridge.Ctx(r.Context()).Info().Msg("form stored")
//
// zerolog.Ctx(ctx) alone returns the logger as it was stored, bound to no
// context or to an older one: a span started after the logger was stored
// would not reach the line (zerolog issues 685 and 756). Ctx binds at the
// moment of use, so a child span's id is written, not its parent's.
//
// Binding is Logger.With().Ctx(ctx).Logger(): it copies the logger's
// fields into a new buffer (two allocations); a function that logs several
// times can keep the result. A disabled logger is returned as it is.
// Without allocating, the same line is
//
//	zerolog.Ctx(ctx).Info().Ctx(ctx).Msg("form stored")
//
// Either way the trace fields are written by the Hook that NewHook returns,
// which must be installed on the stored logger.
func Ctx(ctx context.Context) *zerolog.Logger {
	if ctx == nil {
		ctx = context.Background()
	}
	l := zerolog.Ctx(ctx)
	if l.GetLevel() == zerolog.Disabled {
		return l
	}
	bound := l.With().Ctx(ctx).Logger()
	return &bound
}
