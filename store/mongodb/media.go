package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// Media collections: the records, and the blobs in a GridFS bucket named "media" (media_blob.go).
const (
	collMedia       = "media"
	collMediaFiles  = "media.files"
	collMediaChunks = "media.chunks"
)

// MediaCollections names the collections that hold media — the records and the GridFS bucket of
// their bytes — so that `phananh admin backup`, which MongoDB stores leave to mongodump, can tell
// an operator which collections a dump must not leave out.
func MediaCollections() []string { return []string{collMedia, collMediaFiles, collMediaChunks} }

// mediaIndexes: an owner's file is stored once; the collector finds old unattached records by
// (ticket_id, created_at); the three blob indexes answer "is this blob still referenced"; the
// bucket's files are found by their content address (filename) and chunks by (files_id, n), the
// GridFS standard index.
func mediaIndexes() []indexSpec {
	return []indexSpec{
		{collMedia, "owner_sha256_unique", bson.D{{Key: "owner_id", Value: 1}, {Key: "sha256", Value: 1}}, true},
		{collMedia, "ticket_created", bson.D{{Key: "ticket_id", Value: 1}, {Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collMedia, "blob", bson.D{{Key: "blob", Value: 1}}, false},
		{collMedia, "thumb_blob", bson.D{{Key: "thumb_blob", Value: 1}}, false},
		{collMedia, "large_blob", bson.D{{Key: "large_blob", Value: 1}}, false},
		{collMediaFiles, "filename_unique", bson.D{{Key: "filename", Value: 1}}, true},
		{collMediaChunks, "files_id_1_n_1", bson.D{{Key: "files_id", Value: 1}, {Key: "n", Value: 1}}, true},
	}
}

type mediaDoc struct {
	ID          string    `bson:"_id"`
	OwnerID     string    `bson:"owner_id"`
	Kind        string    `bson:"kind"`
	ContentType string    `bson:"content_type"`
	Bytes       int64     `bson:"bytes"`
	Width       int       `bson:"width"`
	Height      int       `bson:"height"`
	SHA256      string    `bson:"sha256"`
	Blob        string    `bson:"blob"`
	BlobBytes   int64     `bson:"blob_bytes"`
	ThumbBlob   string    `bson:"thumb_blob"`
	LargeBlob   string    `bson:"large_blob"`
	TicketID    string    `bson:"ticket_id"`
	CreatedAt   time.Time `bson:"created_at"`
}

func (d *mediaDoc) model() *models.Media {
	return &models.Media{ID: d.ID, OwnerID: d.OwnerID, Kind: models.MediaKind(d.Kind), ContentType: d.ContentType, Bytes: d.Bytes,
		Width: d.Width, Height: d.Height, SHA256: d.SHA256, Blob: d.Blob, BlobBytes: d.BlobBytes, ThumbBlob: d.ThumbBlob,
		LargeBlob: d.LargeBlob, TicketID: d.TicketID, CreatedAt: d.CreatedAt.UTC()}
}

// CreateMedia inserts m; the _id and the owner/sha256 index make duplicates EConflict.
func (s *Store) CreateMedia(ctx context.Context, m *models.Media) error {
	_, err := s.coll(collMedia).InsertOne(ctx, mediaDoc{ID: m.ID, OwnerID: m.OwnerID, Kind: string(m.Kind), ContentType: m.ContentType,
		Bytes: m.Bytes, Width: m.Width, Height: m.Height, SHA256: m.SHA256, Blob: m.Blob, BlobBytes: m.BlobBytes, ThumbBlob: m.ThumbBlob,
		LargeBlob: m.LargeBlob, TicketID: m.TicketID, CreatedAt: m.CreatedAt.UTC()})
	return translate(err, "create media", "media")
}

func (s *Store) findMedia(ctx context.Context, filter bson.D) (*models.Media, error) {
	var d mediaDoc
	if err := s.coll(collMedia).FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, translate(err, "read media", "media")
	}
	return d.model(), nil
}

// MediaByID reads one record.
func (s *Store) MediaByID(ctx context.Context, id string) (*models.Media, error) {
	return s.findMedia(ctx, bson.D{{Key: "_id", Value: id}})
}

// MediaByHash reads the owner's record of a file.
func (s *Store) MediaByHash(ctx context.Context, ownerID, sha256 string) (*models.Media, error) {
	return s.findMedia(ctx, bson.D{{Key: "owner_id", Value: ownerID}, {Key: "sha256", Value: sha256}})
}

// AttachMedia is one conditional single-document update; when it matches nothing, a read tells
// why.
func (s *Store) AttachMedia(ctx context.Context, id, ownerID, ticketID string) error {
	res, err := s.coll(collMedia).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "owner_id", Value: ownerID},
			{Key: "ticket_id", Value: bson.D{{Key: "$in", Value: bson.A{"", ticketID}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "ticket_id", Value: ticketID}}}})
	if err != nil {
		return translate(err, "attach media", "media")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	m, err := s.MediaByID(ctx, id)
	if err != nil {
		return err
	}
	if m.OwnerID != ownerID {
		return notFound("media")
	}
	return models.Errorf(models.EConflict, "media is attached to another ticket")
}

// FindUnattachedMedia lists unattached records created before the instant, oldest first.
func (s *Store) FindUnattachedMedia(ctx context.Context, before time.Time, limit int) ([]*models.Media, error) {
	o := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	if limit > 0 {
		o.SetLimit(int64(limit))
	}
	cur, err := s.coll(collMedia).Find(ctx, bson.D{{Key: "ticket_id", Value: ""},
		{Key: "created_at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}}, o)
	if err != nil {
		return nil, translate(err, "find media", "media")
	}
	var docs []mediaDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "find media", "media")
	}
	out := make([]*models.Media, len(docs))
	for i := range docs {
		out[i] = docs[i].model()
	}
	return out, nil
}

// DeleteMedia deletes the record if it is still attached to ticketID ("" = unattached).
func (s *Store) DeleteMedia(ctx context.Context, id, ticketID string) error {
	res, err := s.coll(collMedia).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "ticket_id", Value: ticketID}})
	if err != nil {
		return translate(err, "delete media", "media")
	}
	if res.DeletedCount == 1 {
		return nil
	}
	if _, err := s.MediaByID(ctx, id); err != nil {
		return err
	}
	return models.Errorf(models.EConflict, "media was attached meanwhile")
}

// MediaBlobInUse reports whether a record refers to key.
func (s *Store) MediaBlobInUse(ctx context.Context, key string) (bool, error) {
	err := s.coll(collMedia).FindOne(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "blob", Value: key}}, bson.D{{Key: "thumb_blob", Value: key}}, bson.D{{Key: "large_blob", Value: key}},
	}}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if err == mongo.ErrNoDocuments {
		return false, nil
	}
	return err == nil, translate(err, "media blob in use", "media")
}

// UnattachedMediaBytes sums the owner's unattached records in one aggregation, served by the
// owner_sha256_unique index's owner_id prefix.
func (s *Store) UnattachedMediaBytes(ctx context.Context, ownerID string) (int64, error) {
	cur, err := s.coll(collMedia).Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "owner_id", Value: ownerID}, {Key: "ticket_id", Value: ""}}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: nil}, {Key: "total", Value: bson.D{{Key: "$sum", Value: "$bytes"}}}}}},
	})
	if err != nil {
		return 0, translate(err, "sum media", "media")
	}
	var out []struct {
		Total int64 `bson:"total"`
	}
	if err := cur.All(ctx, &out); err != nil {
		return 0, translate(err, "sum media", "media")
	}
	if len(out) == 0 {
		return 0, nil
	}
	return out[0].Total, nil
}
