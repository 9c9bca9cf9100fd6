package logruscases

import (
	"context"

	"github.com/sirupsen/logrus"
)

type service struct{ log *logrus.Logger }

func (s *service) Handle(ctx context.Context, id string) {
	logrus.Info("handling") // want `logrus.Info drops the request context ctx: use logrus.WithContext\(ctx\).Info`
	logrus.WithContext(ctx).Info("handling")
	s.log.Infof("handling %s", id)             // want `logrus Infof drops the request context ctx: add .WithContext\(ctx\)`
	s.log.WithField("id", id).Info("handling") // want `logrus Info drops the request context ctx`
	s.log.WithContext(ctx).WithField("id", id).Info("handling")
	e := s.log.WithContext(ctx)
	e.Errorf("failed %s", id)
}
