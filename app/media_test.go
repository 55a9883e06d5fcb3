package app_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/png"
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

func mp4Of(n int, seed byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, 16)
	b = append(b, "ftypisom\x00\x00\x02\x00"...)
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
		m, created, err := svc.UploadMedia(ctx, p, bytes.NewReader(data))
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
	if _, _, err := svc.FileReport(ctx, resident, models.ReportInput{Category: "TTDT", Description: "Lấn chiếm vỉa hè",
		Location: inside(t, svc, "30280"), Media: []string{kept.ID}}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(23 * time.Hour)
	young := upload(resident, mp4Of(5000, 2))
	now = now.Add(2 * time.Hour)

	n, err := svc.CollectMedia(ctx)
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
	if f, err := svc.MediaFile(ctx, resident, kept.ID, models.SizeThumb); err != nil || f.ContentType != "image/jpeg" {
		t.Errorf("attached thumbnail: %+v %v", f, err)
	}
}

// TestUploadLimitsFromConfig: the defaults issue 6 names; a video over its limit is refused while
// it is read; machine keys do not upload.
func TestUploadLimitsFromConfig(t *testing.T) {
	now := vn("2026-11-27 09:00")
	store := newStore(t, now)
	svc := newServiceOn(t, store, &now, nil)
	cfg := app.DefaultMediaConfig()
	if cfg.MaxImageBytes != 10<<20 || cfg.MaxVideoBytes != 50<<20 || cfg.MaxPixels != 40_000_000 || cfg.OrphanTTL != 24*time.Hour {
		t.Errorf("defaults %+v", cfg)
	}
	_, _, err := svc.UploadMedia(context.Background(), models.Principal{UserID: "r1", Role: models.RoleResident},
		bytes.NewReader(mp4Of(50<<20+1, 3)))
	if !models.IsCode(err, models.ETooLarge) {
		t.Fatalf("over-limit video: %v", err)
	}
	if _, _, err := svc.UploadMedia(context.Background(), models.Principal{Scope: models.ScopeStats}, bytes.NewReader(pngOf(t, 2, 2))); !models.IsCode(err, models.EForbidden) {
		t.Errorf("machine key upload: %v", err)
	}
}
