package sqlite

import (
	"context"
	"database/sql"
	"io"
	"time"

	"phananh/models"
)

// Media records live in the media table (migration 0010); their bytes in the fsblob directory
// next to the database file (Store.blobs).

const mediaColumns = `id, owner_id, kind, content_type, bytes, width, height, sha256, blob, blob_bytes,
	thumb_blob, large_blob, ticket_id, created_at`

// CreateMedia inserts m; a taken id or (owner, sha256) is EConflict.
func (s *Store) CreateMedia(ctx context.Context, m *models.Media) error {
	_, err := s.exec(ctx, `INSERT INTO media (`+mediaColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.OwnerID, string(m.Kind), m.ContentType, m.Bytes, m.Width, m.Height, m.SHA256, m.Blob, m.BlobBytes,
		m.ThumbBlob, m.LargeBlob, m.TicketID, ms(m.CreatedAt))
	return translate(err, "create media", "media")
}

func scanMedia(row interface{ Scan(...any) error }) (*models.Media, error) {
	var m models.Media
	var kind string
	var created int64
	if err := row.Scan(&m.ID, &m.OwnerID, &kind, &m.ContentType, &m.Bytes, &m.Width, &m.Height, &m.SHA256, &m.Blob,
		&m.BlobBytes, &m.ThumbBlob, &m.LargeBlob, &m.TicketID, &created); err != nil {
		return nil, err
	}
	m.Kind, m.CreatedAt = models.MediaKind(kind), fromMs(created)
	return &m, nil
}

// MediaByID reads one record.
func (s *Store) MediaByID(ctx context.Context, id string) (*models.Media, error) {
	m, err := scanMedia(s.r.QueryRowContext(ctx, `SELECT `+mediaColumns+` FROM media WHERE id = ?`, id))
	return m, translate(err, "read media", "media")
}

// MediaByHash reads the owner's record of a file.
func (s *Store) MediaByHash(ctx context.Context, ownerID, sha256 string) (*models.Media, error) {
	m, err := scanMedia(s.r.QueryRowContext(ctx, `SELECT `+mediaColumns+` FROM media WHERE owner_id = ? AND sha256 = ?`, ownerID, sha256))
	return m, translate(err, "read media", "media")
}

// AttachMedia is one conditional UPDATE; when it changes nothing, a read tells why.
func (s *Store) AttachMedia(ctx context.Context, id, ownerID, ticketID string) error {
	res, err := s.exec(ctx, `UPDATE media SET ticket_id = ? WHERE id = ? AND owner_id = ? AND (ticket_id = '' OR ticket_id = ?)`,
		ticketID, id, ownerID, ticketID)
	if err != nil {
		return translate(err, "attach media", "media")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	m, err := s.MediaByID(ctx, id)
	if err != nil {
		return err
	}
	if m.OwnerID != ownerID {
		return models.Errorf(models.ENotFound, "media not found")
	}
	return models.Errorf(models.EConflict, "media is attached to another ticket")
}

// FindUnattachedMedia lists unattached records created before the instant, oldest first.
func (s *Store) FindUnattachedMedia(ctx context.Context, before time.Time, limit int) ([]*models.Media, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+mediaColumns+` FROM media WHERE ticket_id = '' AND created_at < ?
		ORDER BY created_at, id LIMIT ?`, ms(before), limit)
	if err != nil {
		return nil, translate(err, "find media", "media")
	}
	defer rows.Close()
	var out []*models.Media
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return nil, translate(err, "find media", "media")
		}
		out = append(out, m)
	}
	return out, translate(rows.Err(), "find media", "media")
}

// DeleteMedia deletes the record if it is still attached to ticketID ("" = unattached).
func (s *Store) DeleteMedia(ctx context.Context, id, ticketID string) error {
	res, err := s.exec(ctx, `DELETE FROM media WHERE id = ? AND ticket_id = ?`, id, ticketID)
	if err != nil {
		return translate(err, "delete media", "media")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.MediaByID(ctx, id); err != nil {
		return err
	}
	return models.Errorf(models.EConflict, "media was attached meanwhile")
}

// MediaBlobInUse reports whether a record refers to key, through any of the three indexes.
func (s *Store) MediaBlobInUse(ctx context.Context, key string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM media WHERE blob = ? UNION ALL SELECT 1 FROM media WHERE thumb_blob = ?
		UNION ALL SELECT 1 FROM media WHERE large_blob = ? LIMIT 1`, key, key, key).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, translate(err, "media blob in use", "media")
}

// PutBlob stores a blob in the media directory.
func (s *Store) PutBlob(ctx context.Context, r io.Reader) (string, int64, error) {
	return s.blobs.PutBlob(ctx, r)
}

// OpenBlob reads a blob of the media directory.
func (s *Store) OpenBlob(ctx context.Context, key string, offset int64) (io.ReadCloser, int64, error) {
	return s.blobs.OpenBlob(ctx, key, offset)
}

// DeleteBlob removes a blob of the media directory.
func (s *Store) DeleteBlob(ctx context.Context, key string) error {
	return s.blobs.DeleteBlob(ctx, key)
}

// UnattachedMediaBytes sums the owner's unattached records through the (owner_id, sha256) index.
func (s *Store) UnattachedMediaBytes(ctx context.Context, ownerID string) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(bytes), 0) FROM media WHERE owner_id = ? AND ticket_id = ''`, ownerID).Scan(&n)
	return n, translate(err, "sum media", "media")
}
