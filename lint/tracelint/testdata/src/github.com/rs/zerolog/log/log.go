// Package log is a minimal stand-in for github.com/rs/zerolog/log.
package log

import (
	"context"

	"github.com/rs/zerolog"
)

var Logger zerolog.Logger

func Info() *zerolog.Event                    { return Logger.Info() }
func Error() *zerolog.Event                   { return Logger.Error() }
func Ctx(ctx context.Context) *zerolog.Logger { return zerolog.Ctx(ctx) }
