package main

import (
	"time"

	"phananh/app"
)

// mediaEnv is the MEDIA_* configuration (read through settings.go).
type mediaEnv struct {
	MaxImageBytes int64
	MaxVideoBytes int64
	MaxPixels     int64
	OrphanTTL     time.Duration
	GCInterval    time.Duration
	Processing    int
	TempDir       string
	// PendingMaxBytes and DailyMaxBytes are the per-account upload quotas (0 = none).
	PendingMaxBytes int64
	DailyMaxBytes   int64
}

func (m mediaEnv) appConfig() app.MediaConfig {
	return app.MediaConfig{MaxImageBytes: m.MaxImageBytes, MaxVideoBytes: m.MaxVideoBytes, MaxPixels: m.MaxPixels,
		OrphanTTL: m.OrphanTTL, Processing: m.Processing, TempDir: m.TempDir, PendingMaxBytes: m.PendingMaxBytes, DailyMaxBytes: m.DailyMaxBytes}
}
