// Package notifyworker is the notify-worker service of the ePRO example:
// it accepts a notification for the study monitor, answers 202 at once and
// delivers it in the background. It shows Traceline on zerolog, and the
// two ways background work can treat a request's context:
//
//	logger := zerolog.New(file).With().Timestamp().Caller().Str("service.name", "notify-worker").Logger().
//		Hook(zerologbridge.NewHook())
//	...
//	ctx := logger.WithContext(r.Context())
//	zerologbridge.Ctx(ctx).Info().Msg("notification queued")
//	go w.deliver(context.WithoutCancel(ctx), n) // right: same trace, not cancelled with the request
//
// deliver keeps the request's span context (and the logger stored in it)
// but not its cancellation, starts a child span, and its lines are joined
// to that span. escalate, the path taken for rejected submissions, is the
// deliberate bug of the example: it starts from context.Background(), so
// its lines carry no trace at all. `correlate coverage` finds them: lines
// of a traced service, logged while requests were being served, that no
// trace can claim.
//
// # Routes
//
//	POST /notifications  {"submission_id","patient_id","questionnaire_id","outcome","reason"}: 202
//	GET  /healthz        200, untraced and unlogged
package notifyworker
