// Package datacollection is the data-collection service of the ePRO
// example: it has the patient's answers checked by the questionnaire
// service and stores them. It shows Traceline on Gin, zap and GORM:
//
//	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), file, zap.InfoLevel)
//	logger := zap.New(zapbridge.NewCore(core), zap.AddCaller()).With(zap.String("service.name", "data-collection"))
//	router.Use(otelgin.Middleware("data-collection"))
//	client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)}
//	db.Use(tracing.NewPlugin(tracing.WithoutMetrics())) // gorm.io/plugin/opentelemetry
//	...
//	logger.Info("answers stored", zapbridge.Context(ctx), zap.Uint("submission_id", id))
//
// The request's span comes from otelgin, the outgoing call's from otelhttp
// (which also writes the traceparent header), and each SQL statement's from
// GORM's OpenTelemetry plugin; the zap lines carry the ids of the span
// current in the context they are given.
//
// # Routes
//
//	POST /submissions  {"patient_id","questionnaire_id","answers":[…]}:
//	                   201 {"submission_id"}, or the questionnaire service's
//	                   422 when an answer is invalid (an error span)
//	GET  /healthz      200, untraced and unlogged
//
// The store is SQLite through a pure-Go driver (github.com/glebarez/sqlite),
// so the example needs no C compiler and no database server.
package datacollection
