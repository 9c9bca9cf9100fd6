// Package logx is a minimal stand-in for go-zero's core/logx.
package logx

import "context"

type Logger interface {
	Info(v ...any)
	Infof(format string, v ...any)
	Infow(msg string, fields ...LogField)
	Error(v ...any)
	Errorf(format string, v ...any)
	Errorw(msg string, fields ...LogField)
}

type LogField struct {
	Key   string
	Value any
}

func Field(key string, value any) LogField { return LogField{key, value} }

type ctxLogger struct{ ctx context.Context }

func (l ctxLogger) Info(v ...any)                         {}
func (l ctxLogger) Infof(format string, v ...any)         {}
func (l ctxLogger) Infow(msg string, fields ...LogField)  {}
func (l ctxLogger) Error(v ...any)                        {}
func (l ctxLogger) Errorf(format string, v ...any)        {}
func (l ctxLogger) Errorw(msg string, fields ...LogField) {}

func WithContext(ctx context.Context) Logger { return ctxLogger{ctx} }

func Info(v ...any)                         {}
func Infof(format string, v ...any)         {}
func Infow(msg string, fields ...LogField)  {}
func Error(v ...any)                        {}
func Errorf(format string, v ...any)        {}
func Errorw(msg string, fields ...LogField) {}
func Alert(v string)                        {}
