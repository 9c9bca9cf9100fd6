// Package zap is a minimal stand-in for go.uber.org/zap.
package zap

type Field struct {
	Key       string
	Interface any
}

func Any(key string, v any) Field { return Field{Key: key, Interface: v} }
func String(key, v string) Field  { return Field{Key: key, Interface: v} }
func Error(err error) Field       { return Field{Key: "error", Interface: err} }

type Logger struct{}

func L() *Logger                                    { return &Logger{} }
func NewNop() *Logger                               { return &Logger{} }
func (l *Logger) With(fields ...Field) *Logger      { return l }
func (l *Logger) Sugar() *SugaredLogger             { return &SugaredLogger{} }
func (l *Logger) Debug(msg string, fields ...Field) {}
func (l *Logger) Info(msg string, fields ...Field)  {}
func (l *Logger) Warn(msg string, fields ...Field)  {}
func (l *Logger) Error(msg string, fields ...Field) {}
func (l *Logger) Sync() error                       { return nil }

type SugaredLogger struct{}

func (s *SugaredLogger) Infow(msg string, keysAndValues ...any)  {}
func (s *SugaredLogger) Errorw(msg string, keysAndValues ...any) {}
func (s *SugaredLogger) Infof(format string, args ...any)        {}
