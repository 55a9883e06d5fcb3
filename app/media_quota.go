package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"phananh/models"
)

// Upload quotas. Two bounds keep one account from filling the disk:
//
//   - pending: what an account holds in uploads not attached to a report yet — resumable
//     uploads by their declared length, finished uploads by their size — at most
//     MediaConfig.PendingMaxBytes. It is checked when a resumable upload is created and when a
//     one-shot upload has arrived, before anything is stored, and it frees as soon as the media
//     are filed with a report or the collector removes them after OrphanTTL.
//   - daily: the bytes an account stores per 24 h window, at most MediaConfig.DailyMaxBytes,
//     counted atomically in the store (AddToCounter) when an upload is stored, so every
//     instance shares it. Attached media are kept for as long as their report, so this is what
//     bounds an account's growth.
//
// The pending check reads before it writes: concurrent uploads of one account can pass it
// together and overshoot by what they carry (each at most the upload size limit, and the
// upload rate limit bounds how many). The daily count cannot be overshot.

// dailyWindow is the length of the window MediaConfig.DailyMaxBytes applies to.
const dailyWindow = 24 * time.Hour

func dailyKey(owner string) string { return "mq:bytes:" + owner }

// megabytes formats n bytes for a message.
func megabytes(n int64) string {
	if n >= 10<<20 || n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// pendingBytes is what owner holds in uploads not attached yet: the unattached records in the
// store plus the declared lengths of the owner's resumable uploads on this instance.
func (s *Media) pendingBytes(ctx context.Context, owner string) (int64, error) {
	n, err := s.store.UnattachedMediaBytes(ctx, owner)
	if err != nil {
		return 0, err
	}
	entries, err := os.ReadDir(s.uploadsDir())
	if errors.Is(err, os.ErrNotExist) {
		return n, nil
	} else if err != nil {
		return 0, fmt.Errorf("list uploads: %w", err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !validID(id) {
			continue
		}
		var meta uploadMeta
		if data, err := os.ReadFile(s.uploadPath(id, ".json")); err == nil && json.Unmarshal(data, &meta) == nil && meta.Owner == owner {
			n += meta.Length
		}
	}
	return n, nil
}

// checkPending refuses an upload of size bytes that would take owner's pending uploads past
// PendingMaxBytes (ETooLarge on field, naming the limit and how to free it).
func (s *Media) checkPending(ctx context.Context, owner, field string, size int64) error {
	limit := s.cfg.Media.PendingMaxBytes
	if limit <= 0 {
		return nil
	}
	held, err := s.pendingBytes(ctx, owner)
	if err != nil {
		return err
	}
	if held+size <= limit {
		return nil
	}
	return models.FieldError(models.ETooLarge, field,
		"you already hold %s in uploads not yet attached to a report and at most %s may wait at once; file a report with them (or let them expire after %s) before uploading %s more",
		megabytes(held), megabytes(limit), s.cfg.Media.OrphanTTL, megabytes(size))
}

// dailyRefusal is the 429 of the daily quota, carrying when the window ends.
func (s *Media) dailyRefusal(window time.Time, used, size int64) error {
	until := window.Add(dailyWindow)
	return s.rateLimited(until, "you have uploaded %s in the last day and at most %s are accepted per day; %s more would pass it — try again after %s",
		megabytes(used), megabytes(s.cfg.Media.DailyMaxBytes), megabytes(size), until.In(models.VietnamTime).Format("15:04 02/01"))
}

// checkDaily refuses, without counting anything, an upload of size bytes that would take owner
// past DailyMaxBytes in the current window: a resumable upload is refused when it is created,
// not after its last byte.
func (s *Media) checkDaily(ctx context.Context, owner string, size int64) error {
	limit := s.cfg.Media.DailyMaxBytes
	if limit <= 0 {
		return nil
	}
	window := s.clock().Truncate(dailyWindow)
	used, err := s.counters.AddToCounter(ctx, dailyKey(owner), window, 0)
	if err != nil {
		return err
	}
	if used+size > limit {
		return s.dailyRefusal(window, used, size)
	}
	return nil
}

// chargeDaily counts size bytes stored by owner against DailyMaxBytes, atomically: past the
// limit the bytes are given back and the upload refused. The returned refund gives them back
// when the upload then fails to be stored.
func (s *Media) chargeDaily(ctx context.Context, owner string, size int64) (refund func(), err error) {
	limit := s.cfg.Media.DailyMaxBytes
	if limit <= 0 {
		return func() {}, nil
	}
	window := s.clock().Truncate(dailyWindow)
	key := dailyKey(owner)
	used, err := s.counters.AddToCounter(ctx, key, window, size)
	if err != nil {
		return nil, err
	}
	refund = func() {
		if _, err := s.counters.AddToCounter(context.WithoutCancel(ctx), key, window, -size); err != nil {
			s.log.Error("give back upload quota", "owner", owner, "bytes", size, "error", err)
		}
	}
	if used > limit {
		refund()
		return nil, s.dailyRefusal(window, used-size, size)
	}
	return refund, nil
}
