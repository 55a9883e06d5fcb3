package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"phananh/media"
	"phananh/models"
)

// Resumable uploads, tus-style (https://tus.io/protocols/resumable-upload, core protocol):
// POST /v1/media/uploads declares the length and gets an id; each PATCH /v1/media/{id} sends
// bytes from Upload-Offset on; when the connection drops, the client asks the offset
// (HEAD/GET /v1/media/{id}) and continues from there. The last PATCH, which completes the
// length, validates and stores the file exactly as POST /v1/media would.
//
// The partial bytes live on this instance's local disk (MediaConfig.TempDir/uploads, one .part
// file and one .json description per upload), so with several instances a resumed upload must
// reach the same one (sticky sessions) or share the directory. Abandoned uploads are removed by
// the media collector after OrphanTTL.

// Upload is the state of a resumable upload.
type Upload struct {
	ID     string
	Offset int64 // bytes received so far
	Length int64 // declared total
}

type uploadMeta struct {
	Owner     string    `json:"owner"`
	Length    int64     `json:"length"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Media) uploadsDir() string { return filepath.Join(s.tempDir(), "uploads") }

func (s *Media) uploadPath(id, ext string) string { return filepath.Join(s.uploadsDir(), id+ext) }

// CreateUpload starts a resumable upload of length bytes for p.
func (s *Media) CreateUpload(ctx context.Context, p models.Principal, length int64) (Upload, error) {
	if err := uploader(p); err != nil {
		return Upload{}, err
	}
	maxLen := max(s.cfg.Media.MaxImageBytes, s.cfg.Media.MaxVideoBytes)
	switch {
	case length <= 0:
		return Upload{}, models.FieldError(models.EInvalid, "Upload-Length", "Upload-Length must be a positive number of bytes")
	case length > maxLen:
		return Upload{}, models.FieldError(models.ETooLarge, "Upload-Length", "an upload may be at most %d MB", maxLen>>20)
	}
	if err := s.checkPending(ctx, p.UserID, "Upload-Length", length); err != nil {
		return Upload{}, err
	}
	if err := s.checkDaily(ctx, p.UserID, length); err != nil {
		return Upload{}, err
	}
	id, err := s.newID()
	if err != nil {
		return Upload{}, err
	}
	if err := os.MkdirAll(s.uploadsDir(), 0o750); err != nil {
		return Upload{}, fmt.Errorf("uploads directory: %w", err)
	}
	meta, err := json.Marshal(uploadMeta{Owner: p.UserID, Length: length, CreatedAt: s.clock()})
	if err != nil {
		return Upload{}, err
	}
	if err := os.WriteFile(s.uploadPath(id, ".part"), nil, 0o640); err != nil {
		return Upload{}, fmt.Errorf("create upload: %w", err)
	}
	if err := os.WriteFile(s.uploadPath(id, ".json"), meta, 0o640); err != nil {
		os.Remove(s.uploadPath(id, ".part"))
		return Upload{}, fmt.Errorf("create upload: %w", err)
	}
	return Upload{ID: id, Length: length}, nil
}

// UploadStatus returns the state of p's upload id (ENotFound for anyone else's or none).
func (s *Media) UploadStatus(p models.Principal, id string) (Upload, error) {
	meta, err := s.uploadMeta(p, id)
	if err != nil {
		return Upload{}, err
	}
	fi, err := os.Stat(s.uploadPath(id, ".part"))
	if err != nil {
		return Upload{}, models.Errorf(models.ENotFound, "upload not found")
	}
	return Upload{ID: id, Offset: fi.Size(), Length: meta.Length}, nil
}

func (s *Media) uploadMeta(p models.Principal, id string) (uploadMeta, error) {
	var meta uploadMeta
	notFound := models.Errorf(models.ENotFound, "upload not found")
	if !validID(id) || p.UserID == "" {
		return meta, notFound
	}
	data, err := os.ReadFile(s.uploadPath(id, ".json"))
	if err != nil || json.Unmarshal(data, &meta) != nil || meta.Owner != p.UserID {
		return meta, notFound
	}
	return meta, nil
}

// AppendUpload writes the bytes of r at offset of p's upload id. offset must equal the bytes
// received so far (else EConflict, and the client asks the offset again). Bytes that arrived
// before the connection dropped are kept. When the upload is complete it is validated and stored
// like UploadMedia, the partial file removed, and the media returned (with the same id, or the
// id of the caller's earlier upload of the same file).
func (s *Media) AppendUpload(ctx context.Context, p models.Principal, id string, offset int64, r io.Reader) (Upload, *models.Media, error) {
	meta, err := s.uploadMeta(p, id)
	if err != nil {
		return Upload{}, nil, err
	}
	release, err := s.claimUpload(id)
	if err != nil {
		return Upload{}, nil, err
	}
	defer release()

	f, err := os.OpenFile(s.uploadPath(id, ".part"), os.O_RDWR, 0)
	if err != nil {
		return Upload{}, nil, models.Errorf(models.ENotFound, "upload not found")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Upload{}, nil, fmt.Errorf("upload: %w", err)
	}
	up := Upload{ID: id, Offset: fi.Size(), Length: meta.Length}
	if offset != up.Offset {
		return up, nil, models.FieldError(models.EConflict, "Upload-Offset", "Upload-Offset is %d but %d bytes were received; continue from there", offset, up.Offset)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return up, nil, fmt.Errorf("upload: %w", err)
	}
	n, copyErr := io.Copy(f, io.LimitReader(r, meta.Length-offset+1))
	up.Offset += n
	if up.Offset > meta.Length {
		_ = f.Truncate(offset)
		up.Offset = offset
		return up, nil, models.FieldError(models.ETooLarge, "Upload-Length", "the upload is longer than its declared %d bytes", meta.Length)
	}
	if err := f.Sync(); err != nil {
		return up, nil, fmt.Errorf("upload: %w", err)
	}
	if err := s.checkUploadHead(f, up); err != nil {
		s.removeUpload(id)
		return Upload{}, nil, err
	}
	if copyErr != nil {
		var pe *os.PathError
		if errors.As(copyErr, &pe) {
			return up, nil, fmt.Errorf("upload: %w", copyErr)
		}
		return up, nil, models.WrapError(models.EInvalid, copyErr, "the connection dropped after %d bytes; continue with Upload-Offset %d", up.Offset, up.Offset)
	}
	if up.Offset < meta.Length {
		return up, nil, nil
	}
	return s.completeUpload(ctx, id, meta, f, up)
}

// claimUpload marks upload id as being written by this request, refusing with EConflict while
// another request writes it; release ends the claim.
func (s *Media) claimUpload(id string) (release func(), err error) {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	if s.state.writing[id] {
		return nil, models.Errorf(models.EConflict, "another request is writing this upload")
	}
	s.state.writing[id] = true
	return func() {
		s.state.mu.Lock()
		delete(s.state.writing, id)
		s.state.mu.Unlock()
	}, nil
}

// completeUpload hashes, validates and stores the complete upload in f as a single upload would
// be, keeping the bytes when a later PATCH may still store them.
func (s *Media) completeUpload(ctx context.Context, id string, meta uploadMeta, f *os.File, up Upload) (Upload, *models.Media, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return up, nil, fmt.Errorf("upload: %w", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return up, nil, fmt.Errorf("upload: %w", err)
	}
	head := make([]byte, media.SniffLen)
	k, _ := f.ReadAt(head, 0)
	m, _, err := s.ingest(ctx, meta.Owner, id, f, media.Sniff(head[:k]), meta.Length, hex.EncodeToString(h.Sum(nil)))
	switch {
	case models.IsCode(err, models.EInternal), models.IsCode(err, models.ERateLimited):
		// A store failure, or the daily quota used up by other uploads meanwhile: the bytes
		// are kept, and a PATCH at the full offset after Retry-After stores them.
		return up, nil, err
	case err != nil:
		s.removeUpload(id) // refused: keep nothing
		return Upload{}, nil, err
	}
	s.removeUpload(id)
	return up, m, nil
}

// checkUploadHead refuses an upload as soon as its first bytes show an unaccepted type or a
// declared length over that type's limit, instead of after the whole transfer.
func (s *Media) checkUploadHead(f *os.File, up Upload) error {
	if up.Offset < int64(media.SniffLen) && up.Offset < up.Length {
		return nil
	}
	head := make([]byte, media.SniffLen)
	k, _ := f.ReadAt(head, 0)
	kind, limit, err := s.typeOf(media.Sniff(head[:k]))
	if err != nil {
		return err
	}
	if up.Length > limit {
		return tooLarge(kind, limit)
	}
	return nil
}

func (s *Media) removeUpload(id string) {
	os.Remove(s.uploadPath(id, ".part"))
	os.Remove(s.uploadPath(id, ".json"))
}

// collectUploads removes resumable uploads created before the instant, and bodies spooled by
// UploadMedia that a crash left behind.
func (s *Media) collectUploads(before time.Time) error {
	if spooled, err := filepath.Glob(filepath.Join(s.tempDir(), "phananh-upload-*")); err == nil {
		for _, p := range spooled {
			if fi, err := os.Stat(p); err == nil && fi.ModTime().Before(before) {
				os.Remove(p)
			}
		}
	}
	entries, err := os.ReadDir(s.uploadsDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("list uploads: %w", err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !validID(id) {
			continue
		}
		var meta uploadMeta
		data, err := os.ReadFile(s.uploadPath(id, ".json"))
		if err != nil || json.Unmarshal(data, &meta) != nil || meta.CreatedAt.Before(before) {
			s.removeUpload(id)
		}
	}
	return nil
}
