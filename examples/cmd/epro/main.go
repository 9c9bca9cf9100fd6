// Command epro runs one service of the ePRO example per process:
//
//	epro epro-api        --listen 127.0.0.1:8080 --otlp 127.0.0.1:4318 --log-file logs/epro-api.log --sample 0.5 ...
//	epro data-collection --listen 127.0.0.1:8081 --otlp ... --log-file ... --db answers.db --questionnaire URL
//	epro questionnaire   --listen 127.0.0.1:8082 --otlp ... --log-file ...
//	epro notify-worker   --listen 127.0.0.1:8083 --otlp ... --log-file ...
//
// Each service stops gracefully on SIGINT or SIGTERM. `go run ./cmd/demo`
// starts all four with Jaeger and the correlator.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	datacollection "github.com/traceline/traceline/examples/data-collection"
	eproapi "github.com/traceline/traceline/examples/epro-api"
	notifyworker "github.com/traceline/traceline/examples/notify-worker"
	"github.com/traceline/traceline/examples/questionnaire"
)

const usage = "usage: epro epro-api|data-collection|questionnaire|notify-worker [flags]"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1], os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "epro:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, service string, args []string) error {
	fs := flag.NewFlagSet(service, flag.ContinueOnError)
	var listen, otlp, logFile string
	common := func(def string) {
		fs.StringVar(&listen, "listen", def, "host:port to listen on")
		fs.StringVar(&otlp, "otlp", "", "OTLP/HTTP trace receiver host:port (empty: export nothing)")
		fs.StringVar(&logFile, "log-file", "", "file to append JSON log lines to (empty: stdout)")
	}
	switch service {
	case "epro-api":
		c := eproapi.DefaultConfig()
		common(c.Listen)
		fs.Float64Var(&c.SampleRatio, "sample", c.SampleRatio, "share of requests traced")
		fs.StringVar(&c.Token, "token", c.Token, "bearer token patients present")
		fs.StringVar(&c.QuestionnaireURL, "questionnaire", c.QuestionnaireURL, "questionnaire service base URL")
		fs.StringVar(&c.DataCollectionURL, "data-collection", c.DataCollectionURL, "data-collection base URL")
		fs.StringVar(&c.NotifyURL, "notify", c.NotifyURL, "notify-worker base URL")
		if err := fs.Parse(args); err != nil {
			return err
		}
		c.Listen, c.OTLPEndpoint, c.LogFile = listen, otlp, logFile
		return eproapi.Run(ctx, c)
	case "data-collection":
		c := datacollection.DefaultConfig()
		common(c.Listen)
		fs.StringVar(&c.Database, "db", c.Database, "SQLite file the answers are stored in")
		fs.StringVar(&c.QuestionnaireURL, "questionnaire", c.QuestionnaireURL, "questionnaire service base URL")
		if err := fs.Parse(args); err != nil {
			return err
		}
		c.Listen, c.OTLPEndpoint, c.LogFile = listen, otlp, logFile
		return datacollection.Run(ctx, c)
	case "questionnaire":
		c := questionnaire.DefaultConfig()
		common(c.Listen)
		if err := fs.Parse(args); err != nil {
			return err
		}
		c.Listen, c.OTLPEndpoint, c.LogFile = listen, otlp, logFile
		return questionnaire.Run(ctx, c)
	case "notify-worker":
		c := notifyworker.DefaultConfig()
		common(c.Listen)
		fs.DurationVar(&c.DeliveryTime, "delivery-time", c.DeliveryTime, "time one delivery takes")
		if err := fs.Parse(args); err != nil {
			return err
		}
		c.Listen, c.OTLPEndpoint, c.LogFile = listen, otlp, logFile
		return notifyworker.Run(ctx, c)
	default:
		return fmt.Errorf("unknown service %q\n%s", service, usage)
	}
}
