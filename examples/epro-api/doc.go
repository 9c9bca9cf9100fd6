// Package eproapi is the gateway of the ePRO example: a patient's app
// submits questionnaire answers here. It authenticates the patient, fetches
// the questionnaire definition, has the answers stored by data-collection,
// and asks notify-worker to tell the study monitor, accepted or rejected.
//
// It shows Traceline on go-zero: the rest server with go-zero's own
// Telemetry configuration (OTLP to the collector, sampled by ratio, the one
// sampling decision of the whole request) and logx through logxbridge:
//
//	c.Telemetry = trace.Config{Name: "epro-api", Endpoint: otlp, Batcher: "otlphttp", Sampler: 0.5}
//	logxbridge.SetFieldKeys(&c.Log)             // logx writes trace_id / span_id itself
//	server, err := rest.NewServer(c)
//	logx.SetWriter(logxbridge.NewWriter(logx.NewWriter(file)))
//	logx.AddGlobalFields(logx.Field("service.name", "epro-api"))
//	server.Use(logxbridge.Middleware())         // adds trace_flags
//	...
//	logx.WithContext(ctx).Infow("patient authenticated", logx.Field("patient_id", id))
//
// go-zero's tracing handler starts the server span, writes the response's
// traceparent header (the demo reads the trace id and the sampling
// decision from it), and otelhttp's transport carries the context to the
// services behind.
//
// # Routes
//
//	POST /v1/submissions  Authorization: Bearer <token>;
//	                      {"patient_id","questionnaire_id","answers":[…]}:
//	                      201, 401 (token), 404 (questionnaire), 422 (answers)
//	GET  /healthz         200
package eproapi
