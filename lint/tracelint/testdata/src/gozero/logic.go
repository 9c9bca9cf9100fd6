// Package gozero is shaped like a goctl-generated go-zero service.
package gozero

import (
	"context"
	"net/http"

	"github.com/zeromicro/go-zero/core/logx"
)

type ServiceContext struct{}

// GetUserLogic is what goctl writes: the request's ctx in a field.
type GetUserLogic struct {
	logx.Logger
	ctx    context.Context
	svcCtx *ServiceContext
}

func NewGetUserLogic(ctx context.Context, svcCtx *ServiceContext) *GetUserLogic {
	return &GetUserLogic{Logger: logx.WithContext(ctx), ctx: ctx, svcCtx: svcCtx}
}

// The receiver holds the ctx: l.Infof goes through logx.WithContext.
func (l *GetUserLogic) GetUser(id string) (string, error) {
	l.Infof("get user %s", id)
	logx.Infof("get user %s", id) // want `logx.Infof drops the request context l.ctx: use logx.WithContext\(l.ctx\).Infof`
	logx.WithContext(l.ctx).Info("fine")
	logx.Alert("not a Logger method: nothing to suggest")
	return id, nil
}

// A handler as goctl writes it.
func GetUserHandler(svcCtx *ServiceContext) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l := NewGetUserLogic(r.Context(), svcCtx)
		if _, err := l.GetUser("1"); err != nil {
			logx.Errorw("get user", logx.Field("err", err)) // want `logx.Errorw drops the request context r.Context\(\)`
		}
	}
}

// A zrpc server: ctx comes in as the first parameter.
type UserServer struct{ svcCtx *ServiceContext }

func (s *UserServer) GetUser(ctx context.Context, id string) (string, error) {
	logx.Error("lookup failed") // want `logx.Error drops the request context ctx`
	return NewGetUserLogic(ctx, s.svcCtx).GetUser(id)
}
