package tests

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// patchUpload sends data at offset of resumable upload id.
func (s *server) patchUpload(t *testing.T, token, id string, offset int, data []byte) response {
	t.Helper()
	return s.request(t, "PATCH", "/v1/media/"+id, token, data, "Content-Type: application/offset+octet-stream",
		"Upload-Offset: "+strconv.Itoa(offset))
}

// createUpload starts a resumable upload of length bytes and returns the answer.
func (s *server) createUpload(t *testing.T, token string, length int) response {
	t.Helper()
	return s.request(t, "POST", "/v1/media/uploads", token, nil, "Upload-Length: "+strconv.Itoa(length))
}

// wantRetryAfter checks a 429 with a positive Retry-After and the error code rate_limited.
func wantRetryAfter(t *testing.T, r response, message string) {
	t.Helper()
	e := r.expect(t, http.StatusTooManyRequests).apiError(t)
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs <= 0 {
		t.Errorf("Retry-After %q, want a positive number of seconds", r.header.Get("Retry-After"))
	}
	if e.Error.Code != "rate_limited" || !strings.Contains(e.Error.Message, message) {
		t.Errorf("error %+v, want rate_limited mentioning %q", e.Error, message)
	}
}

// TestMediaUploadQuotas: the PATCHes of resumable uploads are rate-limited; the bytes one
// account holds in uploads not yet attached are bounded (MEDIA_PENDING_MAX_BYTES), refused
// uploads store nothing, and filing a report frees the bound; the bytes stored per day are
// bounded (MEDIA_DAILY_MAX_BYTES) with Retry-After, and a refused upload does not count.
func TestMediaUploadQuotas(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 0)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "RATE_LIMITS="+relaxedRateLimits+",upload_patch_user=4/1h",
			"MEDIA_PENDING_MAX_BYTES=1000000", "MEDIA_DAILY_MAX_BYTES=1200000")
		res := s.signInResident("0912600061")
		tok := res.AccessToken

		// Four PATCHes pass, the fifth is refused and appends nothing.
		parked := video(t, "isom", 300_000, 70)
		var up struct{ ID string }
		s.createUpload(t, tok, len(parked)).expect(t, http.StatusCreated).json(t, &up)
		for i := range 4 {
			s.patchUpload(t, tok, up.ID, i*50_000, parked[i*50_000:(i+1)*50_000]).expect(t, http.StatusNoContent)
		}
		wantRetryAfter(t, s.patchUpload(t, tok, up.ID, 200_000, parked[200_000:250_000]), "quá nhiều yêu cầu")
		if h := s.request(t, "HEAD", "/v1/media/"+up.ID, tok, nil).expect(t, http.StatusOK); h.header.Get("Upload-Offset") != "200000" {
			t.Errorf("offset after the refused PATCH: %q, want 200000", h.header.Get("Upload-Offset"))
		}

		// Pending: the parked upload counts by its declared 300 000 bytes.
		v1 := s.uploadOK(t, tok, video(t, "isom", 600_000, 71)) // 900 000 pending
		v2 := video(t, "isom", 200_000, 72)
		before := storedFiles(t, s, st)
		refusals := []struct {
			name string
			send func() response
		}{
			{"one-shot upload", func() response { return s.upload(t, tok, "clip.mp4", bytes.NewReader(v2)) }},
			{"resumable upload", func() response { return s.createUpload(t, tok, len(v2)) }},
		}
		for _, r := range refusals {
			e := r.send().expect(t, http.StatusRequestEntityTooLarge).apiError(t)
			if e.Error.Code != "too_large" || !strings.Contains(e.Error.Message, "chưa đính kèm vào phản ánh") {
				t.Errorf("%s past the pending bound: %+v", r.name, e.Error)
			}
		}
		if after := storedFiles(t, s, st); !slices.Equal(before, after) {
			t.Errorf("refused uploads changed what is stored:\n%v\n%v", before, after)
		}
		// Filing a report with v1 frees its bytes.
		body := wfReport("TTDT", x, "Lấn chiếm vỉa hè, có video.", false)
		body["media"] = []string{v1.ID}
		fileTicket(t, s, tok, body)
		m2 := s.uploadOK(t, tok, v2) // 500 000 pending; 800 000 stored today
		body = wfReport("TTDT", x, "Rác thải bừa bãi, có video.", false)
		body["media"] = []string{m2.ID}
		fileTicket(t, s, tok, body) // 300 000 pending

		// Daily: 400 001 more would pass 1 200 000.
		wantRetryAfter(t, s.createUpload(t, tok, 400_001), "mỗi ngày")
		wantRetryAfter(t, s.upload(t, tok, "clip.mp4", bytes.NewReader(video(t, "isom", 400_001, 73))), "mỗi ngày")
		s.uploadOK(t, tok, video(t, "isom", 400_000, 74)) // exactly the bound: the refusal was not counted
	})
}

// TestMediaPendingQuotaExpiry: an abandoned resumable upload holds the pending bound only until
// the collector removes it (MEDIA_ORPHAN_TTL).
func TestMediaPendingQuotaExpiry(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "MEDIA_PENDING_MAX_BYTES=1000000", "MEDIA_ORPHAN_TTL=3s", "MEDIA_GC_INTERVAL=100ms")
		tok := s.signInResident("0912600071").AccessToken
		var up struct{ ID string }
		s.createUpload(t, tok, 900_000).expect(t, http.StatusCreated).json(t, &up)
		clip := video(t, "isom", 200_000, 75)
		s.upload(t, tok, "clip.mp4", bytes.NewReader(clip)).expect(t, http.StatusRequestEntityTooLarge)
		deadline := time.Now().Add(60 * time.Second)
		for s.request(t, "HEAD", "/v1/media/"+up.ID, tok, nil).status != http.StatusNotFound {
			if time.Now().After(deadline) {
				t.Fatal("the abandoned upload was not collected within 60 s")
			}
			time.Sleep(200 * time.Millisecond)
		}
		s.uploadOK(t, tok, clip)
	})
}
