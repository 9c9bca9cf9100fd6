// Package logrus is a minimal stand-in for github.com/sirupsen/logrus.
package logrus

import "context"

type Fields map[string]any

type Logger struct{}

func New() *Logger                                       { return &Logger{} }
func (l *Logger) WithContext(ctx context.Context) *Entry { return &Entry{} }
func (l *Logger) WithField(k string, v any) *Entry       { return &Entry{} }
func (l *Logger) Info(args ...any)                       {}
func (l *Logger) Infof(format string, args ...any)       {}

type Entry struct{}

func (e *Entry) WithContext(ctx context.Context) *Entry { return e }
func (e *Entry) WithField(k string, v any) *Entry       { return e }
func (e *Entry) Info(args ...any)                       {}
func (e *Entry) Infof(format string, args ...any)       {}
func (e *Entry) Errorf(format string, args ...any)      {}

func WithContext(ctx context.Context) *Entry { return &Entry{} }
func WithField(k string, v any) *Entry       { return &Entry{} }
func Info(args ...any)                       {}
func Warnf(format string, args ...any)       {}
