// Package questionnaire is the questionnaire service of the ePRO example:
// it serves questionnaire definitions and checks a patient's answers
// against them. It shows Traceline on net/http, otelhttp and log/slog:
//
//	logger := slog.New(slogbridge.NewJSONHandler(file, &slog.HandlerOptions{AddSource: true})).
//		With("service.name", "questionnaire")
//	mux.Handle("GET /questionnaires/{id}", otelhttp.NewHandler(handler, "GET /questionnaires/{id}"))
//	...
//	logger.InfoContext(r.Context(), "definition served", "questionnaire_id", id)
//
// Every line logged with the request's context carries trace_id, span_id
// and trace_flags of the otelhttp server span.
//
// # Routes
//
//	GET  /questionnaires/{id}           the definition; 404 for an unknown id
//	POST /questionnaires/{id}/validate  {"answers":[…]}: 200, or 422 with the
//	                                    first answer out of range (an error span)
//	GET  /healthz                       200, untraced and unlogged
package questionnaire
