// Package zerolog is a minimal stand-in for github.com/rs/zerolog.
package zerolog

import (
	"context"
	"io"
)

type Logger struct{}

func New(w io.Writer) Logger                                     { return Logger{} }
func Ctx(ctx context.Context) *Logger                            { return &Logger{} }
func (l Logger) With() Context                                   { return Context{} }
func (l Logger) WithContext(ctx context.Context) context.Context { return ctx }
func (l *Logger) Info() *Event                                   { return &Event{} }
func (l *Logger) Warn() *Event                                   { return &Event{} }
func (l *Logger) Error() *Event                                  { return &Event{} }
func (l *Logger) Err(err error) *Event                           { return &Event{} }

type Context struct{}

func (c Context) Ctx(ctx context.Context) Context { return c }
func (c Context) Str(k, v string) Context         { return c }
func (c Context) Logger() Logger                  { return Logger{} }

type Event struct{}

func (e *Event) Ctx(ctx context.Context) *Event { return e }
func (e *Event) Str(k, v string) *Event         { return e }
func (e *Event) Int(k string, v int) *Event     { return e }
func (e *Event) Err(err error) *Event           { return e }
func (e *Event) Msg(msg string)                 {}
func (e *Event) Msgf(format string, v ...any)   {}
func (e *Event) Send()                          {}
