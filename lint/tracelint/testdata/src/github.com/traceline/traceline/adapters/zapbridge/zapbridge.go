// Package zapbridge is a minimal stand-in for Traceline's zap adapter.
package zapbridge

import (
	"context"

	"go.uber.org/zap"
)

func Context(ctx context.Context) zap.Field { return zap.Any("context", ctx) }
