package app_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mp4Of is an MP4 of n bytes whose content depends on seed: ftyp, an empty moov and an mdat
// filling the rest, a box structure media.CleanVideo accepts and leaves as it is.
func mp4Of(n int, seed byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, 16)
	b = append(b, "ftypisom\x00\x00\x02\x00"...)
	b = append(binary.BigEndian.AppendUint32(b, 8), "moov"...)
	b = append(binary.BigEndian.AppendUint32(b, uint32(n-len(b))), "mdat"...)
	for i := len(b); i < n; i++ {
		b = append(b, byte(i)^seed)
	}
	return b
}

// TestCollectMedia moves the clock past the orphan TTL: the unattached upload and its blobs go,
// the attached one and a blob it shares stay, and a younger upload waits its turn.
func TestCollectMedia(t *testing.T) {
	now := vn("2026-11-27 09:00")
	store := newStore(t, now)
	svc := newServiceOn(t, store, &now, nil)
	ctx := context.Background()
	resident := models.Principal{UserID: "r1", Role: models.RoleResident}
	upload := func(p models.Principal, data []byte) *models.Media {
		t.Helper()
		m, created, err := svc.Media.UploadMedia(ctx, p, bytes.NewReader(data))
		if err != nil || !created {
			t.Fatalf("UploadMedia: %v created=%v", err, created)
		}
		return m
	}
	kept := upload(resident, pngOf(t, 30, 20))
	// The same picture by someone else: its own record, the same content-addressed blobs.
	twin := upload(models.Principal{UserID: "r2", Role: models.RoleResident}, pngOf(t, 30, 20))
	orphan := upload(resident, mp4Of(5000, 1))
	if twin.Blob != kept.Blob {
		t.Fatalf("identical images stored under different blobs")
	}
	if _, _, err := svc.Tickets.FileReport(ctx, resident, models.ReportInput{Category: "TTDT", Description: "Lấn chiếm vỉa hè",
		Location: inside(t, svc, "30280"), Media: []string{kept.ID}}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(23 * time.Hour)
	young := upload(resident, mp4Of(5000, 2))
	now = now.Add(2 * time.Hour)

	n, err := svc.Media.CollectMedia(ctx)
	if err != nil || n != 2 {
		t.Fatalf("CollectMedia = %d, %v; want the orphan and the twin", n, err)
	}
	for _, m := range []*models.Media{orphan, twin} {
		if _, err := store.MediaByID(ctx, m.ID); !models.IsCode(err, models.ENotFound) {
			t.Errorf("%s: record survives (%v)", m.ID, err)
		}
	}
	if _, _, err := store.OpenBlob(ctx, orphan.Blob, 0); !models.IsCode(err, models.ENotFound) {
		t.Errorf("orphan blob survives (%v)", err)
	}
	for _, id := range []string{kept.ID, young.ID} {
		if _, err := store.MediaByID(ctx, id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	for _, key := range kept.Blobs() {
		r, _, err := store.OpenBlob(ctx, key, 0)
		if err != nil {
			t.Fatalf("blob %s of the attached image (shared with the collected twin): %v", key, err)
		}
		r.Close()
	}
	if f, err := svc.Media.MediaFile(ctx, resident, kept.ID, models.SizeThumb); err != nil || f.ContentType != "image/jpeg" {
		t.Errorf("attached thumbnail: %+v %v", f, err)
	}
}

// TestUploadLimitsFromConfig: the defaults; a video over its limit is refused while
// it is read; machine keys do not upload.
func TestUploadLimitsFromConfig(t *testing.T) {
	now := vn("2026-11-27 09:00")
	store := newStore(t, now)
	svc := newServiceOn(t, store, &now, nil)
	cfg := app.DefaultMediaConfig()
	if cfg.MaxImageBytes != 10<<20 || cfg.MaxVideoBytes != 50<<20 || cfg.MaxPixels != 40_000_000 || cfg.OrphanTTL != 24*time.Hour {
		t.Errorf("defaults %+v", cfg)
	}
	_, _, err := svc.Media.UploadMedia(context.Background(), models.Principal{UserID: "r1", Role: models.RoleResident},
		bytes.NewReader(mp4Of(50<<20+1, 3)))
	if !models.IsCode(err, models.ETooLarge) {
		t.Fatalf("over-limit video: %v", err)
	}
	if _, _, err := svc.Media.UploadMedia(context.Background(), models.Principal{Scope: models.ScopeStats}, bytes.NewReader(pngOf(t, 2, 2))); !models.IsCode(err, models.EForbidden) {
		t.Errorf("machine key upload: %v", err)
	}
}

// newQuotaService is newServiceOn with media limits of its own.
func newQuotaService(t *testing.T, store app.Store, now *time.Time, media app.MediaConfig) *app.App {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Media = media
	cfg.Media.TempDir = t.TempDir()
	return newServiceWith(t, store, now, cfg, nil)
}

// TestUploadQuotas walks one account through both quotas on a controlled clock: the pending
// bound counts resumable uploads by their declared length and finished ones by size, and frees
// when media are filed; the daily bound refuses with the end of its window, gives back what a
// refused file would have used, and starts over in the next window.
func TestUploadQuotas(t *testing.T) {
	now := vn("2026-11-27 09:00")
	store := newStore(t, now)
	cfg := app.DefaultMediaConfig()
	cfg.PendingMaxBytes, cfg.DailyMaxBytes = 100_000, 150_000
	svc := newQuotaService(t, store, &now, cfg)
	ctx := context.Background()
	r := models.Principal{UserID: "r1", Role: models.RoleResident}
	send := func(n int, seed byte) (*models.Media, error) {
		m, _, err := svc.Media.UploadMedia(ctx, r, bytes.NewReader(mp4Of(n, seed)))
		return m, err
	}

	up, err := svc.Media.CreateUpload(ctx, r, 60_000)
	if err != nil {
		t.Fatal(err)
	}
	first, err := send(30_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := send(20_000, 2); !models.IsCode(err, models.ETooLarge) || !strings.Contains(err.Error(), "not yet attached") {
		t.Fatalf("past the pending bound: %v", err)
	}
	if _, err := svc.Media.CreateUpload(ctx, r, 20_000); !models.IsCode(err, models.ETooLarge) {
		t.Fatalf("resumable upload past the pending bound: %v", err)
	}
	if _, err := svc.Media.CreateUpload(ctx, models.Principal{UserID: "r2", Role: models.RoleResident}, 90_000); err != nil {
		t.Fatalf("another account has its own bound: %v", err)
	}
	if _, _, err := svc.Tickets.FileReport(ctx, r, models.ReportInput{Category: "TTDT", Description: "Lấn chiếm vỉa hè",
		Location: inside(t, svc, "30280"), Media: []string{first.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := send(20_000, 2); err != nil {
		t.Fatalf("after filing, the pending bound has room: %v", err)
	}
	// Stored today: 30 000 + 20 000, and now the resumable upload's 60 000.
	if _, _, err := svc.Media.AppendUpload(ctx, r, up.ID, 0, bytes.NewReader(mp4Of(60_000, 3))); err != nil {
		t.Fatal(err)
	}
	second, err := send(20_000, 2) // the same file again: its record, nothing counted
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Tickets.FileReport(ctx, r, models.ReportInput{Category: "TTDT", Description: "Rác thải bừa bãi",
		Location: inside(t, svc, "30280"), Media: []string{second.ID, up.ID}}); err != nil {
		t.Fatal(err)
	}
	// Nothing pending; 110 000 of 150 000 used today.
	if _, err := svc.Media.CreateUpload(ctx, r, 40_001); !models.IsCode(err, models.ERateLimited) {
		t.Fatalf("resumable upload past the daily bound: %v", err)
	}
	if _, _, err := svc.Media.UploadMedia(ctx, r, bytes.NewReader(append(mp4Of(10_000, 5), 1, 2, 3))); !models.IsCode(err, models.EUnprocessable) {
		t.Fatalf("corrupt video: %v", err)
	}
	if _, err := send(30_000, 6); err != nil {
		t.Fatalf("30 000 bytes more fit (the corrupt file was not counted): %v", err)
	}
	_, err = send(10_001, 7)
	var retry *app.RetryAfter
	if !models.IsCode(err, models.ERateLimited) || !errors.As(err, &retry) {
		t.Fatalf("past the daily bound: %v, want ERateLimited with RetryAfter", err)
	}
	if end := now.Truncate(24 * time.Hour).Add(24 * time.Hour); !retry.At.Equal(end) || !strings.Contains(err.Error(), "per day") {
		t.Errorf("retry at %s, want the end of the window %s (%v)", retry.At, end, err)
	}
	if _, err := send(10_000, 8); err != nil {
		t.Fatalf("the refused upload was given back, so exactly the bound fits: %v", err)
	}
	now = now.Add(24*time.Hour + time.Minute)
	if n, err := svc.Media.CollectMedia(ctx); err != nil || n != 2 {
		t.Fatalf("CollectMedia = %d, %v; want the two unattached uploads", n, err)
	}
	if _, err := send(10_001, 7); err != nil {
		t.Fatalf("next day, after the collector: %v", err)
	}
}

// TestUploadQuotaAtCompletion: a resumable upload that fitted the daily bound when it was
// created, but finds it used up by other uploads when it completes, is refused with
// Retry-After and kept whole, and a PATCH at its full length stores it the next day.
func TestUploadQuotaAtCompletion(t *testing.T) {
	now := vn("2026-11-27 09:00")
	store := newStore(t, now)
	cfg := app.DefaultMediaConfig()
	cfg.DailyMaxBytes = 100_000
	svc := newQuotaService(t, store, &now, cfg)
	ctx := context.Background()
	r := models.Principal{UserID: "r1", Role: models.RoleResident}
	up, err := svc.Media.CreateUpload(ctx, r, 60_000)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Media.UploadMedia(ctx, r, bytes.NewReader(mp4Of(50_000, 1))); err != nil {
		t.Fatal(err)
	}
	data := mp4Of(60_000, 2)
	_, _, err = svc.Media.AppendUpload(ctx, r, up.ID, 0, bytes.NewReader(data))
	if !models.IsCode(err, models.ERateLimited) {
		t.Fatalf("completing past the daily bound: %v", err)
	}
	if st, err := svc.Media.UploadStatus(r, up.ID); err != nil || st.Offset != 60_000 {
		t.Fatalf("after the refusal: %+v %v, want the upload kept whole", st, err)
	}
	now = now.Add(24 * time.Hour)
	if _, m, err := svc.Media.AppendUpload(ctx, r, up.ID, 60_000, bytes.NewReader(nil)); err != nil || m == nil || m.ID != up.ID {
		t.Fatalf("PATCH at the full offset the next day: %+v %v", m, err)
	}
}
