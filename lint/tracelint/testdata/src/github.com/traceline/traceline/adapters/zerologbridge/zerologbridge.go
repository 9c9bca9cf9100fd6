// Package zerologbridge is a minimal stand-in for Traceline's zerolog adapter.
package zerologbridge

import (
	"context"

	"github.com/rs/zerolog"
)

func Ctx(ctx context.Context) *zerolog.Logger { return zerolog.Ctx(ctx) }
