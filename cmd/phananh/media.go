package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"phananh/app"
)

// mediaEnv is the MEDIA_* configuration.
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

func loadMediaEnv(get func(key, def string) string, dataDir string) (mediaEnv, error) {
	d := app.DefaultMediaConfig()
	m := mediaEnv{TempDir: get("MEDIA_TEMP_DIR", filepath.Join(dataDir, "media-staging"))}
	var err error
	ints := []struct {
		key string
		dst *int64
		def int64
	}{
		{"MEDIA_MAX_IMAGE_BYTES", &m.MaxImageBytes, d.MaxImageBytes},
		{"MEDIA_MAX_VIDEO_BYTES", &m.MaxVideoBytes, d.MaxVideoBytes},
		{"MEDIA_MAX_PIXELS", &m.MaxPixels, d.MaxPixels},
	}
	for _, v := range ints {
		if *v.dst, err = strconv.ParseInt(get(v.key, strconv.FormatInt(v.def, 10)), 10, 64); err != nil || *v.dst < 1 {
			return m, fmt.Errorf("%s must be a positive number", v.key)
		}
	}
	quotas := []struct {
		key string
		dst *int64
		def int64
	}{
		{"MEDIA_PENDING_MAX_BYTES", &m.PendingMaxBytes, d.PendingMaxBytes},
		{"MEDIA_DAILY_MAX_BYTES", &m.DailyMaxBytes, d.DailyMaxBytes},
	}
	for _, v := range quotas {
		if *v.dst, err = strconv.ParseInt(get(v.key, strconv.FormatInt(v.def, 10)), 10, 64); err != nil || *v.dst < 0 {
			return m, fmt.Errorf("%s must be a number of bytes, or 0 for no limit", v.key)
		}
	}
	if m.Processing, err = strconv.Atoi(get("MEDIA_PROCESSING", strconv.Itoa(d.Processing))); err != nil || m.Processing < 1 {
		return m, fmt.Errorf("MEDIA_PROCESSING must be a positive number")
	}
	if m.OrphanTTL, err = time.ParseDuration(get("MEDIA_ORPHAN_TTL", d.OrphanTTL.String())); err != nil || m.OrphanTTL <= 0 {
		return m, fmt.Errorf("MEDIA_ORPHAN_TTL must be a positive duration such as 24h")
	}
	if m.GCInterval, err = time.ParseDuration(get("MEDIA_GC_INTERVAL", "10m")); err != nil || m.GCInterval < 50*time.Millisecond {
		return m, fmt.Errorf("MEDIA_GC_INTERVAL must be a duration of at least 50ms, such as 10m")
	}
	return m, nil
}

func (m mediaEnv) appConfig() app.MediaConfig {
	return app.MediaConfig{MaxImageBytes: m.MaxImageBytes, MaxVideoBytes: m.MaxVideoBytes, MaxPixels: m.MaxPixels,
		OrphanTTL: m.OrphanTTL, Processing: m.Processing, TempDir: m.TempDir, PendingMaxBytes: m.PendingMaxBytes, DailyMaxBytes: m.DailyMaxBytes}
}
