package gincases

import (
	"log/slog"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
)

type api struct {
	log  *zap.Logger
	slog *slog.Logger
}

func (a *api) getForm(c *gin.Context) {
	a.log.Info("get form", zap.String("id", c.Param("id")), zap.String("route", c.FullPath())) // want `zap Info drops the request context c.Request.Context\(\): add zap.Any\("context", c.Request.Context\(\)\)`
	a.slog.Info("get form")                                                                    // want `slog.Info drops the request context c.Request.Context\(\)`
	a.slog.InfoContext(c.Request.Context(), "get form")
	a.log.Info("get form", zap.Any("ctx", c)) // a *gin.Context handed whole carries it
	c.JSON(200, nil)
}

func routes(a *api) *gin.Engine {
	e := gin.New()
	e.GET("/forms/:id", a.getForm)
	return e
}
