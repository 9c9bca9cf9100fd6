package datacollection

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/glebarez/sqlite"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"
	"gorm.io/plugin/opentelemetry/tracing"

	"github.com/traceline/traceline/adapters/zapbridge"
	"github.com/traceline/traceline/examples/internal/telemetry"
)

// Submission is one patient's answers to one questionnaire, as stored.
type Submission struct {
	ID              uint `gorm:"primaryKey"`
	PatientID       string
	QuestionnaireID string
	Answers         string // JSON array
	CreatedAt       time.Time
}

// Run serves the data-collection service until ctx is done, then shuts it
// down gracefully and flushes its spans.
func Run(ctx context.Context, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	out := zapcore.Lock(os.Stdout)
	if c.LogFile != "" {
		f, err := os.OpenFile(c.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("data-collection: log file: %w", err)
		}
		defer f.Close()
		out = zapcore.Lock(f)
	}

	// The set-up a real service copies: zap's JSON core wrapped by
	// zapbridge, so a line given zapbridge.Context(ctx) carries the span's
	// ids. The service's name goes on every line, traced or not (logbridge's
	// WithService names only traced lines; coverage needs the others too).
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), out, zap.InfoLevel)
	logger := zap.New(zapbridge.NewCore(core), zap.AddCaller()).With(zap.String("service.name", "data-collection"))
	defer func() { _ = logger.Sync() }()

	shutdown, err := telemetry.Start(ctx, "data-collection", c.OTLPEndpoint)
	if err != nil {
		return err
	}
	defer flush(shutdown)

	db, err := openStore(c.Database)
	if err != nil {
		return err
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}

	s := &server{
		log:           logger,
		db:            db,
		client:        &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport), Timeout: 5 * time.Second},
		questionnaire: c.QuestionnaireURL,
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("data-collection: listen: %w", err)
	}
	logger.Info("data-collection service listening", zap.String("addr", ln.Addr().String()))
	return serve(ctx, &http.Server{Handler: newRouter(s), ReadHeaderTimeout: 5 * time.Second}, ln)
}

// newRouter routes the service's requests; otelgin starts each request's
// server span (the health check stays untraced).
func newRouter(s *server) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	router := gin.New()
	router.Use(gin.Recovery())
	router.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	api := router.Group("/", otelgin.Middleware("data-collection"))
	api.POST("/submissions", s.store)
	return router
}

// openStore opens the SQLite file with GORM and its OpenTelemetry plugin:
// every statement becomes a child span of the request that ran it.
func openStore(path string) (*gorm.DB, error) {
	db, err := gorm.Open(sqlite.Open(path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"),
		&gorm.Config{Logger: gormlogger.Discard})
	if err != nil {
		return nil, fmt.Errorf("data-collection: open %s: %w", path, err)
	}
	if err := db.Use(tracing.NewPlugin(tracing.WithoutMetrics())); err != nil {
		return nil, fmt.Errorf("data-collection: GORM tracing: %w", err)
	}
	if err := db.AutoMigrate(&Submission{}); err != nil {
		return nil, fmt.Errorf("data-collection: migrate: %w", err)
	}
	return db, nil
}

type server struct {
	log           *zap.Logger
	db            *gorm.DB
	client        *http.Client
	questionnaire string
}

type submission struct {
	PatientID       string `json:"patient_id" binding:"required"`
	QuestionnaireID string `json:"questionnaire_id" binding:"required"`
	Answers         []int  `json:"answers" binding:"required"`
}

func (s *server) store(c *gin.Context) {
	ctx := c.Request.Context() // otelgin put the server span here
	var in submission
	if err := c.ShouldBindJSON(&in); err != nil {
		s.fail(ctx, c, http.StatusBadRequest, "submission is malformed", err)
		return
	}
	s.log.Info("submission received", zapbridge.Context(ctx),
		zap.String("patient_id", in.PatientID), zap.String("questionnaire_id", in.QuestionnaireID))

	status, reason, err := s.validate(ctx, in)
	if err != nil {
		s.fail(ctx, c, http.StatusBadGateway, "questionnaire service unavailable", err)
		return
	}
	if status != http.StatusOK {
		s.fail(ctx, c, status, "answers invalid", errors.New(reason))
		return
	}

	answers, _ := json.Marshal(in.Answers)
	row := Submission{PatientID: in.PatientID, QuestionnaireID: in.QuestionnaireID, Answers: string(answers)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		s.fail(ctx, c, http.StatusInternalServerError, "answers not stored", err)
		return
	}
	s.log.Info("answers stored", zapbridge.Context(ctx), zap.Uint("submission_id", row.ID))
	c.JSON(http.StatusCreated, gin.H{"submission_id": row.ID})
}

// validate asks the questionnaire service; otelhttp's transport starts the
// client span and writes traceparent.
func (s *server) validate(ctx context.Context, in submission) (status int, reason string, err error) {
	body, _ := json.Marshal(map[string][]int{"answers": in.Answers})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		s.questionnaire+"/questionnaires/"+in.QuestionnaireID+"/validate", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var out struct {
		Error string `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out.Error, nil
}

// fail answers status and marks the span failed: otelgin, like every
// OpenTelemetry HTTP server instrumentation, leaves 4xx spans unset.
func (s *server) fail(ctx context.Context, c *gin.Context, status int, msg string, err error) {
	trace.SpanFromContext(ctx).SetStatus(codes.Error, msg+": "+err.Error())
	s.log.Error(msg, zapbridge.Context(ctx), zap.Int("status", status), zap.Error(err))
	c.JSON(status, gin.H{"error": msg + ": " + err.Error()})
}

// serve runs srv on ln until ctx is done, then gives in-flight requests
// five seconds to finish.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("data-collection: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("data-collection: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("data-collection: serve: %w", err)
	}
	return nil
}

func flush(shutdown func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = shutdown(ctx)
}
