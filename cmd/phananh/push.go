package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"phananh/app"
	"phananh/push"
	"phananh/telemetry"
)

// pushEnv is the push configuration from the environment (settings.go; README, "Push
// notifications").
type pushEnv struct {
	ProjectID       string        // FCM_PROJECT_ID; empty disables sending (messages stay queued)
	CredentialsFile string        // FCM_CREDENTIALS_FILE; empty: Application Default Credentials
	Endpoint        string        // FCM_ENDPOINT; set without credentials: unauthenticated (fake server)
	Batch           int           // PUSH_BATCH, 1…500
	Interval        time.Duration // PUSH_INTERVAL, the idle pause between outbox polls
	Lease           time.Duration // PUSH_LEASE, how long a claimed batch belongs to one instance
	Concurrency     int           // PUSH_CONCURRENCY, 1…16 batches claimed and sent at once
}

// maxPushConcurrency bounds PUSH_CONCURRENCY: each batch keeps 50 requests in flight, and more
// than 800 at once only queues them.
const maxPushConcurrency = 16

func (p pushEnv) appConfig() app.PushConfig {
	c := app.DefaultPushConfig()
	c.Batch, c.Interval, c.Lease = p.Batch, p.Interval, p.Lease
	return c
}

// startPush starts the pruning of unused devices and the outbox dispatcher in workers, or logs
// that push is disabled. The outbox and the topic changes are filled either way (the effect is
// wired in buildService), so nothing is lost while FCM is not configured: they wait, queued, for
// a server that has it. Pruning needs no FCM and always runs.
func startPush(ctx context.Context, p pushEnv, svc *app.App, store app.Store, log *slog.Logger, holder string, workers *sync.WaitGroup, tel *telemetry.Telemetry) error {
	workers.Go(func() { svc.Devices.RunDevicePruning(ctx, time.Hour) })
	if p.ProjectID == "" {
		log.Warn("push disabled: FCM_PROJECT_ID is not set; notifications stay queued in the outbox until a server with FCM configured sends them")
		return nil
	}
	sender, err := push.New(ctx, push.Config{ProjectID: p.ProjectID, CredentialsFile: p.CredentialsFile, Endpoint: p.Endpoint, Concurrency: p.Concurrency})
	if err != nil {
		return err
	}
	auth := "service account file"
	switch {
	case p.CredentialsFile == "" && p.Endpoint != push.DefaultEndpoint:
		auth = "none (custom endpoint)"
	case p.CredentialsFile == "":
		auth = "application default credentials"
	}
	log.Info("push enabled", "project", p.ProjectID, "endpoint", p.Endpoint, "auth", auth, "batch", p.Batch, "concurrency", p.Concurrency)
	d := app.NewDispatcher(app.DispatcherDeps{Store: store, Sender: sender, Topics: sender, Config: p.appConfig(), Holder: holder,
		Concurrency: p.Concurrency, Logger: log, Workers: svc.Workers, Observer: tel.Observer(), Spans: tel.Spans()})
	if err := tel.WatchDispatcher(d); err != nil {
		return err
	}
	workers.Go(func() { d.Run(ctx) })
	return nil
}
