package ignore

import (
	"context"
	"log/slog"
)

func escalate(ctx context.Context) { slog.WarnContext(ctx, "escalated") }

func handle(ctx context.Context) {
	go func() {
		//traceline:ignore the demo's deliberate drop, found at run time by correlate coverage
		escalate(context.Background())
	}()
	slog.Info("same line") //traceline:ignore startup banner, no request yet
	// want +1 `traceline:ignore needs a reason`
	//traceline:ignore
	slog.Info("no reason") // want `slog.Info drops the request context ctx`
}
