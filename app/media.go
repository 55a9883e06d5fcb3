package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"phananh/media"
	"phananh/models"
)

// BlobStore keeps file contents under content addresses: the key of a blob is the lowercase hex
// SHA-256 of its bytes, so the same bytes are stored once and a key never changes meaning.
// Implementations: files under DATA_DIR/media (store/fsblob, used by the SQLite store) and a
// GridFS bucket (store/mongodb). Both pass the contract suite in app/storetest.
type BlobStore interface {
	// PutBlob stores everything r yields and returns its key and size. Storing bytes that are
	// already stored succeeds and changes nothing. A failed or cancelled put leaves nothing
	// readable under any key.
	PutBlob(ctx context.Context, r io.Reader) (key string, size int64, err error)
	// OpenBlob reads the blob from offset (0 ≤ offset ≤ size) and returns its total size; an
	// unknown key is ENotFound. The caller closes the reader.
	OpenBlob(ctx context.Context, key string, offset int64) (io.ReadCloser, int64, error)
	// DeleteBlob removes a blob; an absent one is not an error.
	DeleteBlob(ctx context.Context, key string) error
}

// MediaStore keeps the records of uploaded media and, through BlobStore, their bytes.
type MediaStore interface {
	BlobStore
	// CreateMedia inserts m; a taken id, or a record of the same owner with the same SHA256, is
	// EConflict.
	CreateMedia(ctx context.Context, m *models.Media) error
	MediaByID(ctx context.Context, id string) (*models.Media, error)
	// MediaByHash finds the owner's upload of the file with this SHA-256 (ENotFound if none).
	MediaByHash(ctx context.Context, ownerID, sha256 string) (*models.Media, error)
	// AttachMedia sets TicketID of media id to ticketID, atomically, if the record belongs to
	// ownerID and is unattached or already attached to ticketID (a retry); attached to another
	// ticket is EConflict, absent or owned by someone else ENotFound.
	AttachMedia(ctx context.Context, id, ownerID, ticketID string) error
	// FindUnattachedMedia lists unattached media created before the instant, oldest first;
	// limit <= 0 means all.
	FindUnattachedMedia(ctx context.Context, before time.Time, limit int) ([]*models.Media, error)
	// DeleteMedia removes the record id if its TicketID is still ticketID ("" = unattached):
	// otherwise EConflict (it was attached meanwhile), absent ENotFound.
	DeleteMedia(ctx context.Context, id, ticketID string) error
	// UnattachedMediaBytes sums Bytes of the owner's records not attached to any ticket: what
	// the owner holds in finished uploads the collector has not removed yet.
	UnattachedMediaBytes(ctx context.Context, ownerID string) (int64, error)
	// MediaBlobInUse reports whether any record refers to the blob key.
	MediaBlobInUse(ctx context.Context, key string) (bool, error)
}

// MediaConfig holds the media limits; every value is configurable (cmd/phananh).
type MediaConfig struct {
	MaxImageBytes int64
	MaxVideoBytes int64
	// MaxPixels refuses larger images from their header, before decoding (decompression bombs).
	MaxPixels int64
	// OrphanTTL is how long an upload may stay unattached before the collector removes it.
	OrphanTTL time.Duration
	// Processing bounds the uploads decoded or stored at the same time: decoding costs about
	// 4 bytes per pixel, and the GridFS writer holds a chunk per upload.
	Processing int
	// TempDir holds the spooled bodies of uploads in progress and the resumable uploads
	// ("" = the system's temporary directory). It must be on local disk.
	TempDir string
	// PendingMaxBytes bounds what one account holds in uploads not attached to a report yet
	// (resumable uploads by their declared length, finished ones by their size), so nobody can
	// park gigabytes for OrphanTTL; 0 = no bound.
	PendingMaxBytes int64
	// DailyMaxBytes bounds the bytes one account stores per 24 h window, counted in the store
	// when an upload is stored: attached media are kept for good, so this is what bounds an
	// account's share of the disk over time; 0 = no bound.
	DailyMaxBytes int64
}

// DefaultMediaConfig returns the limits a phone camera needs.
func DefaultMediaConfig() MediaConfig {
	return MediaConfig{
		MaxImageBytes: 10 << 20,
		MaxVideoBytes: 50 << 20,
		MaxPixels:     40_000_000,
		OrphanTTL:     24 * time.Hour,
		Processing:    4,
		// Four full-length videos at once; a report carries at most MaxMediaPerTicket files.
		PendingMaxBytes: 200 << 20,
		// About twenty full-length videos a day: far beyond a resident's reports, small next
		// to a disk.
		DailyMaxBytes: 1 << 30,
	}
}

// mediaState is the Media service's run-time state: the processing slots and the resumable
// uploads being written.
type mediaState struct {
	slots   chan struct{}
	mu      sync.Mutex
	writing map[string]bool // resumable upload ids with a PATCH in progress
}

func newMediaState(c MediaConfig) *mediaState {
	return &mediaState{slots: make(chan struct{}, max(c.Processing, 1)), writing: map[string]bool{}}
}

func (s *Media) tempDir() string {
	if s.cfg.Media.TempDir != "" {
		return s.cfg.Media.TempDir
	}
	return os.TempDir()
}

// uploader checks that p may upload at all: a signed-in person, not a machine key.
func uploader(p models.Principal) error {
	if p.UserID == "" || p.Scope != "" {
		return models.Errorf(models.EForbidden, "only signed-in users upload media")
	}
	return nil
}

// typeOf turns a sniffed content type into a kind and its size limit, or the refusal.
func (s *Media) typeOf(ct string) (models.MediaKind, int64, error) {
	switch ct {
	case media.JPEG, media.PNG, media.WebP:
		return models.MediaImage, s.cfg.Media.MaxImageBytes, nil
	case media.MP4, media.QuickTime:
		return models.MediaVideo, s.cfg.Media.MaxVideoBytes, nil
	case media.HEIC, media.AVIF:
		return "", 0, models.FieldError(models.EUnsupportedMedia, "file",
			"%s photos cannot be processed here (no decoder); send JPEG instead — on an iPhone: Settings › Camera › Formats › Most Compatible", ct)
	}
	return "", 0, models.FieldError(models.EUnsupportedMedia, "file",
		"the file is not a JPEG, PNG or WebP image nor an MP4 or MOV video (the type is read from its content, not its name)")
}

// UploadMedia stores one file read from r, the body of the upload as it arrives: it is spooled
// to a temporary file while hashed (never held in memory), its type decided from its first
// bytes, its size checked against that type's limit while reading, then it is validated,
// cleaned and stored (ingest). created is false when the caller had uploaded the same file
// before: the earlier record is returned.
func (s *Media) UploadMedia(ctx context.Context, p models.Principal, r io.Reader) (m *models.Media, created bool, err error) {
	if err := uploader(p); err != nil {
		return nil, false, err
	}
	f, err := os.CreateTemp(s.tempDir(), "phananh-upload-*")
	if err != nil {
		return nil, false, fmt.Errorf("spool upload: %w", err)
	}
	defer func() { f.Close(); os.Remove(f.Name()) }()

	head := make([]byte, media.SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, false, interrupted(err)
	}
	head = head[:n]
	if n == 0 {
		return nil, false, models.FieldError(models.EInvalid, "file", "the file is empty")
	}
	ct := media.Sniff(head)
	kind, limit, err := s.typeOf(ct)
	if err != nil {
		return nil, false, err
	}
	h := sha256.New()
	w := io.MultiWriter(f, h)
	if _, err := w.Write(head); err != nil {
		return nil, false, fmt.Errorf("spool upload: %w", err)
	}
	rest, err := io.Copy(w, io.LimitReader(r, limit-int64(n)+1))
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, false, fmt.Errorf("spool upload: %w", err)
		}
		return nil, false, interrupted(err)
	}
	size := int64(n) + rest
	if size > limit {
		return nil, false, tooLarge(kind, limit)
	}
	return s.ingest(ctx, p.UserID, "", f, ct, size, hex.EncodeToString(h.Sum(nil)))
}

func interrupted(err error) error {
	return models.WrapError(models.EInvalid, err, "the upload was interrupted; send it again or resume it (PATCH with Upload-Offset)")
}

func tooLarge(kind models.MediaKind, limit int64) error {
	if limit%(1<<20) == 0 {
		return models.FieldError(models.ETooLarge, "file", "a %s may be at most %d MB", kind, limit>>20)
	}
	return models.FieldError(models.ETooLarge, "file", "a %s may be at most %d bytes", kind, limit)
}

// ingest validates, cleans and stores the complete upload in f (content type ct, size bytes,
// SHA-256 sum) for owner, under id (a new id when ""). Images are processed by package media;
// videos lose their metadata boxes (media.CleanVideo). The upload quotas apply (media_quota.go):
// a one-shot upload (id "") is checked against the pending bound here, a resumable one was
// checked when it was created; both are counted against the daily bound just before they are
// stored. Nothing is stored, and nothing counted, when the file is refused.
func (s *Media) ingest(ctx context.Context, owner, id string, f *os.File, ct string, size int64, sum string) (_ *models.Media, _ bool, err error) {
	if m, err := s.store.MediaByHash(ctx, owner, sum); err == nil {
		return m, false, nil
	} else if !models.IsCode(err, models.ENotFound) {
		return nil, false, err
	}
	if id == "" {
		if err := s.checkPending(ctx, owner, "file", size); err != nil {
			return nil, false, err
		}
	}
	select {
	case s.state.slots <- struct{}{}:
		defer func() { <-s.state.slots }()
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	kind, _, err := s.typeOf(ct)
	if err != nil {
		return nil, false, err
	}
	if id == "" {
		if id, err = s.newID(); err != nil {
			return nil, false, err
		}
	}
	m := &models.Media{ID: id, OwnerID: owner, Kind: kind, ContentType: ct, Bytes: size, SHA256: sum, CreatedAt: s.clock()}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, false, fmt.Errorf("rewind upload: %w", err)
	}
	var img *media.Image
	var clean io.Reader
	if kind == models.MediaImage {
		if img, err = media.Process(f, ct, s.cfg.Media.MaxPixels); err != nil {
			return nil, false, err
		}
	} else if clean, err = media.CleanVideo(f, size); err != nil {
		return nil, false, err
	}
	refund, err := s.chargeDaily(ctx, owner, size)
	if err != nil {
		return nil, false, err
	}
	stored := false
	defer func() {
		if !stored {
			refund()
		}
	}()
	if img != nil {
		m.Width, m.Height = img.Width, img.Height
		if m.Blob, m.BlobBytes, err = s.store.PutBlob(ctx, bytes.NewReader(img.Data)); err != nil {
			return nil, false, err
		}
		if m.LargeBlob, _, err = s.store.PutBlob(ctx, bytes.NewReader(img.Large)); err != nil {
			return nil, false, err
		}
		if m.ThumbBlob, _, err = s.store.PutBlob(ctx, bytes.NewReader(img.Thumb)); err != nil {
			return nil, false, err
		}
	} else if m.Blob, m.BlobBytes, err = s.store.PutBlob(ctx, clean); err != nil {
		return nil, false, err
	}
	if err := s.store.CreateMedia(ctx, m); err != nil {
		if models.IsCode(err, models.EConflict) {
			// The same file uploaded twice at once: the other request's record wins (and was
			// counted); the blobs are the same content-addressed ones.
			if first, err2 := s.store.MediaByHash(ctx, owner, sum); err2 == nil {
				return first, false, nil
			}
		}
		return nil, false, err
	}
	stored = true
	s.log.LogAttrs(ctx, slog.LevelInfo, "media stored", slog.String("media", m.ID), slog.String("type", ct), slog.Int64("bytes", size))
	return m, true, nil
}

// checkMedia validates media ids a caller attaches to ticketID ("" for a ticket still to be
// created): each must be the caller's upload, unattached or already on this ticket (a retry).
func (s *Media) checkMedia(ctx context.Context, p models.Principal, ticketID string, ids []string, already int) error {
	if len(ids)+already > models.MaxMediaPerTicket {
		return models.FieldError(models.EInvalid, "media", "at most %d media per report", models.MaxMediaPerTicket)
	}
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return models.FieldError(models.EInvalid, "media", "media id %q is listed twice", id)
		}
		m, err := s.store.MediaByID(ctx, id)
		if models.IsCode(err, models.ENotFound) || (err == nil && m.OwnerID != p.UserID) {
			return models.FieldError(models.EUnprocessable, "media", "unknown media id %q; upload it first with POST /v1/media", id)
		} else if err != nil {
			return err
		}
		if m.TicketID != "" && m.TicketID != ticketID {
			return models.FieldError(models.EUnprocessable, "media", "media %q is already attached to another report", id)
		}
	}
	return nil
}

// attachMedia records that the media belong to ticket t. It runs after the ticket is stored, and
// again on an idempotent retry, so a crash in between is repaired by the client's retry; a
// failure here (the media attached elsewhere in a race) is logged, and the ticket simply does not
// serve that id.
func (s *Media) attachMedia(ctx context.Context, owner, ticketID string, ids []string) {
	for _, id := range ids {
		if err := s.store.AttachMedia(ctx, id, owner, ticketID); err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "attach media", slog.String("media", id), slog.String("ticket", ticketID), slog.String("error", err.Error()))
		}
	}
}

// prepareActionMedia handles the media of an action: resolve adds the result photos,
// add_comment the reporter's own to those they filed, at most MaxMediaPerTicket of each kind
// in all; they are attached after the change is committed, by the hook returned (nil when the
// action carries no media).
func (s *Media) prepareActionMedia(ctx context.Context, p models.Principal, t *models.Ticket, in ActionInput) (hook, error) {
	if len(in.Media) == 0 {
		return nil, nil
	}
	var list *[]string
	switch in.Action {
	case models.ActResolve:
		list = &t.ResultMedia
	case models.ActAddComment:
		list = &t.Media
	case models.ActHideFromPublic:
		return nil, nil // it names photos already attached, to hide them (Tickets.hideFromPublic)
	default:
		return nil, models.FieldError(models.EInvalid, "media", "media can be attached when filing, adding to a report or resolving only")
	}
	for _, id := range in.Media {
		if slices.Contains(t.Media, id) || slices.Contains(t.ResultMedia, id) {
			return nil, models.FieldError(models.EUnprocessable, "media", "media %q is already attached to this report", id)
		}
	}
	if err := s.checkMedia(ctx, p, t.ID, in.Media, len(*list)); err != nil {
		return nil, err
	}
	*list = append(*list, in.Media...)
	ids := slices.Clone(in.Media)
	return func(ctx context.Context, t *models.Ticket) { s.attachMedia(ctx, p.UserID, t.ID, ids) }, nil
}

// MediaFile is what GET /v1/media/{id} sends: one rendition of a media record the caller may read.
type MediaFile struct {
	Media       *models.Media
	Key         string // blob key; also the ETag
	ContentType string
	// Public is true when the caller reads it as anyone could (an image of a public ticket):
	// shared caches may keep it. Otherwise it is for this caller only.
	Public bool
}

// MediaFile resolves which blob of media id the caller may read in the rendition size
// (models.SizeOriginal, SizeThumb, SizeLarge). The read policy is the ticket's
// (models.Principal.TicketAccess, as for the ticket itself); before attachment only the uploader
// reads it. Beyond that, images of public tickets are public, as Open311 shows them; videos
// never are. Everything else is ENotFound, like an unknown id.
func (s *Media) MediaFile(ctx context.Context, p models.Principal, id, size string) (MediaFile, error) {
	notFound := models.Errorf(models.ENotFound, "media not found")
	m, err := s.store.MediaByID(ctx, id)
	if err != nil {
		return MediaFile{}, err
	}
	f := MediaFile{Media: m, Key: m.Blob, ContentType: m.ContentType}
	switch {
	case m.TicketID == "":
		if p.UserID == "" || p.Scope != "" || p.UserID != m.OwnerID {
			return MediaFile{}, notFound
		}
	default:
		t, err := s.store.TicketByID(ctx, m.TicketID)
		if models.IsCode(err, models.ENotFound) {
			return MediaFile{}, notFound
		} else if err != nil {
			return MediaFile{}, err
		}
		if !slices.Contains(t.Media, m.ID) && !slices.Contains(t.ResultMedia, m.ID) {
			return MediaFile{}, notFound
		}
		access := p.TicketAccess(t)
		if access != models.AccessReporter && !access.Internal() && slices.Contains(keptFromPublic(t), m.ID) {
			return MediaFile{}, notFound
		}
		if access == models.AccessNone {
			if m.Kind != models.MediaImage || s.isPrivate(t) {
				return MediaFile{}, notFound
			}
			f.Public = true
		}
	}
	switch size {
	case models.SizeOriginal:
	case models.SizeThumb, models.SizeLarge:
		if m.Kind != models.MediaImage {
			return MediaFile{}, models.FieldError(models.ENotFound, "size", "a video has no %s rendition", size)
		}
		f.Key, f.ContentType = m.ThumbBlob, media.JPEG
		if size == models.SizeLarge {
			f.Key = m.LargeBlob
		}
	default:
		return MediaFile{}, models.FieldError(models.EInvalid, "size", "size must be thumb or large (or absent for the original)")
	}
	return f, nil
}

// OpenMediaBlob reads a blob MediaFile named, from offset.
func (s *Media) OpenMediaBlob(ctx context.Context, key string, offset int64) (io.ReadCloser, int64, error) {
	return s.store.OpenBlob(ctx, key, offset)
}

// PublicImages returns the ids of t's images anyone may see (Open311 media_url): none for a
// private ticket, never a video, nor a photo the reporter added and kept from the public.
func (s *Media) PublicImages(ctx context.Context, t *models.Ticket) []string {
	if s.isPrivate(t) {
		return nil
	}
	kept, merged := keptFromPublic(t), mergedMedia(t)
	var out []string
	for _, id := range slices.Concat(t.Media, t.ResultMedia) {
		if slices.Contains(kept, id) {
			continue
		}
		if m, err := s.store.MediaByID(ctx, id); err == nil && m.Kind == models.MediaImage && (m.TicketID == t.ID || slices.Contains(merged, id)) {
			out = append(out, id)
		}
	}
	return out
}

// deleteUnusedBlobs deletes the blobs of m, whose record is gone, that no other record refers
// to: identical uploads share their blobs.
func deleteUnusedBlobs(ctx context.Context, store interface {
	MediaBlobInUse(ctx context.Context, key string) (bool, error)
	DeleteBlob(ctx context.Context, key string) error
}, m *models.Media) error {
	for _, key := range m.Blobs() {
		inUse, err := store.MediaBlobInUse(ctx, key)
		if err != nil {
			return err
		}
		if !inUse {
			if err := store.DeleteBlob(ctx, key); err != nil {
				return err
			}
		}
	}
	return nil
}

// CollectMedia removes unattached uploads older than OrphanTTL — record first, then each blob
// no other record refers to — and resumable uploads abandoned as long. A record attached
// meanwhile is left alone (DeleteMedia is a compare-and-delete on TicketID).
func (s *Media) CollectMedia(ctx context.Context) (int, error) {
	before := s.clock().Add(-s.cfg.Media.OrphanTTL)
	orphans, err := s.store.FindUnattachedMedia(ctx, before, 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range orphans {
		if err := s.store.DeleteMedia(ctx, m.ID, ""); models.IsCode(err, models.EConflict) || models.IsCode(err, models.ENotFound) {
			continue
		} else if err != nil {
			return n, err
		}
		n++
		if err := deleteUnusedBlobs(ctx, s.store, m); err != nil {
			return n, err
		}
	}
	if err := s.collectUploads(before); err != nil {
		return n, err
	}
	return n, nil
}

// RunMediaGC runs CollectMedia every interval while it holds the "media-gc" lease, until ctx
// ends; like RunSweeps it is safe in every instance.
func (s *Media) RunMediaGC(ctx context.Context, holder string, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	cycle, stopped := s.workers.started("media_gc", interval)
	defer stopped()
	defer s.obs.LeaseHeld("media-gc", false)
	for {
		ok, err := s.store.AcquireLease(ctx, "media-gc", holder, s.clock(), 3*interval)
		if err == nil {
			s.obs.LeaseHeld("media-gc", ok)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("media GC lease", "error", err)
		case ok:
			if n, err := s.CollectMedia(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("media GC", "error", err)
			} else if n > 0 {
				s.log.LogAttrs(ctx, slog.LevelInfo, "media GC", slog.Int("removed", n))
			}
		}
		cycle()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// validID keeps ids that become file names to the alphabet newID produces.
func validID(id string) bool {
	return len(id) == 32 && strings.Trim(id, "0123456789abcdef") == ""
}

// MediaConfig returns the media limits in force (the transport sizes its body checks by them).
func (s *Media) MediaConfig() MediaConfig { return s.cfg.Media }

// Media takes photo and video uploads (whole or resumable), checks and cleans them, serves them
// to whoever may read their ticket, and collects what no ticket uses.
type Media struct {
	*core
	store interface {
		MediaStore
		TicketByID(ctx context.Context, id string) (*models.Ticket, error)
		AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	}
	state *mediaState
}
