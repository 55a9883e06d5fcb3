package mongodb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"phananh/models"
)

// Blobs are stored in the GridFS layout — a bucket "media" with media.files
// {_id, length, chunkSize, uploadDate, filename} and media.chunks {_id, files_id, n, data} — so
// mongofiles and every driver's GridFS bucket can read them; the filename is the content address.
//
// This package writes and reads the layout itself instead of through the driver's GridFSBucket,
// for two measured reasons. The driver's upload stream allocates a 16 MiB buffer per upload
// (uploadBufferSize), so 100 parallel uploads would hold 1.6 GB; this writer holds one 255 KiB
// chunk. And on FerretDB v1 every query other than a lone _id lookup scans its collection, so
// chunk ids here are deterministic ("<file id>.<n>") and each chunk is read by _id: a range
// request starts at its chunk directly, on MongoDB and FerretDB alike, with one chunk in memory.
//
// A put writes the chunks under a fresh file id and then the files document; the unique index on
// filename makes the second writer of the same content lose, and it deletes its chunks. A crash
// between the two leaves unreferenced chunks, never a readable partial blob.

const chunkSize = 255 << 10 // the GridFS default

type blobFileDoc struct {
	ID         string    `bson:"_id"`
	Length     int64     `bson:"length"`
	ChunkSize  int32     `bson:"chunkSize"`
	UploadDate time.Time `bson:"uploadDate"`
	Filename   string    `bson:"filename"`
}

type blobChunkDoc struct {
	ID      string `bson:"_id"`
	FilesID string `bson:"files_id"`
	N       int32  `bson:"n"`
	Data    []byte `bson:"data"`
}

func chunkID(fileID string, n int64) string { return fileID + "." + strconv.FormatInt(n, 10) }

// PutBlob streams r into chunks while hashing, then publishes the files document.
func (s *Store) PutBlob(ctx context.Context, r io.Reader) (string, int64, error) {
	fileID := bson.NewObjectID().Hex()
	h := sha256.New()
	buf := make([]byte, chunkSize)
	var size, n int64
	for {
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			h.Write(buf[:k])
			if _, ierr := s.coll(collMediaChunks).InsertOne(ctx, blobChunkDoc{ID: chunkID(fileID, n), FilesID: fileID, N: int32(n), Data: buf[:k]}); ierr != nil {
				s.deleteChunks(ctx, fileID, n)
				return "", 0, translate(ierr, "put blob", "blob")
			}
			n++
			size += int64(k)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			s.deleteChunks(ctx, fileID, n)
			return "", 0, fmt.Errorf("mongodb: put blob: %w", err)
		}
	}
	key := hex.EncodeToString(h.Sum(nil))
	_, err := s.coll(collMediaFiles).InsertOne(ctx, blobFileDoc{ID: fileID, Length: size, ChunkSize: chunkSize,
		UploadDate: time.Now().UTC(), Filename: key})
	if mongo.IsDuplicateKeyError(err) { // the same content is stored already
		s.deleteChunks(ctx, fileID, n)
		return key, size, nil
	}
	if err != nil {
		s.deleteChunks(ctx, fileID, n)
		return "", 0, translate(err, "put blob", "blob")
	}
	return key, size, nil
}

// deleteChunks removes chunks 0..n-1 of a file by _id, best effort (a leftover chunk is garbage,
// never visible).
func (s *Store) deleteChunks(ctx context.Context, fileID string, n int64) {
	ctx = context.WithoutCancel(ctx)
	for i := range n {
		_, _ = s.coll(collMediaChunks).DeleteOne(ctx, bson.D{{Key: "_id", Value: chunkID(fileID, i)}})
	}
}

func (s *Store) blobFile(ctx context.Context, key string) (*blobFileDoc, error) {
	var f blobFileDoc
	if err := s.coll(collMediaFiles).FindOne(ctx, bson.D{{Key: "filename", Value: key}}).Decode(&f); err != nil {
		return nil, translate(err, "open blob", "blob")
	}
	return &f, nil
}

// OpenBlob returns a reader that loads one chunk at a time by _id, starting at offset's chunk.
func (s *Store) OpenBlob(ctx context.Context, key string, offset int64) (io.ReadCloser, int64, error) {
	f, err := s.blobFile(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	if offset < 0 || offset > f.Length {
		return nil, 0, models.Errorf(models.EInvalid, "offset %d is outside the blob of %d bytes", offset, f.Length)
	}
	cs := int64(f.ChunkSize)
	if cs <= 0 {
		return nil, 0, fmt.Errorf("mongodb: open blob %s: bad chunk size %d", key, f.ChunkSize)
	}
	return &chunkReader{ctx: ctx, s: s, file: f, n: offset / cs, skip: offset % cs, left: f.Length - offset}, f.Length, nil
}

// chunkReader reads a blob's chunks in order. It keeps the context of the request that opened
// it, like the driver's GridFS download stream: the read is part of that request.
type chunkReader struct {
	ctx  context.Context
	s    *Store
	file *blobFileDoc
	n    int64  // next chunk to load
	skip int64  // bytes to drop from the next chunk loaded
	buf  []byte // unread bytes of the current chunk
	left int64  // bytes still to deliver
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	if len(c.buf) == 0 {
		var d blobChunkDoc
		if err := c.s.coll(collMediaChunks).FindOne(c.ctx, bson.D{{Key: "_id", Value: chunkID(c.file.ID, c.n)}}).Decode(&d); err != nil {
			return 0, fmt.Errorf("mongodb: read blob %s chunk %d: %w", c.file.Filename, c.n, err)
		}
		if c.skip > int64(len(d.Data)) {
			return 0, fmt.Errorf("mongodb: read blob %s: chunk %d is short", c.file.Filename, c.n)
		}
		c.buf, c.skip = d.Data[c.skip:], 0
		c.n++
	}
	k := copy(p, c.buf)
	if int64(k) > c.left {
		k = int(c.left)
	}
	c.buf = c.buf[k:]
	c.left -= int64(k)
	return k, nil
}

func (c *chunkReader) Close() error { return nil }

// DeleteBlob removes the files document first (the blob stops existing), then its chunks.
func (s *Store) DeleteBlob(ctx context.Context, key string) error {
	f, err := s.blobFile(ctx, key)
	if models.IsCode(err, models.ENotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := s.coll(collMediaFiles).DeleteOne(ctx, bson.D{{Key: "_id", Value: f.ID}}); err != nil {
		return translate(err, "delete blob", "blob")
	}
	n := (f.Length + int64(f.ChunkSize) - 1) / int64(f.ChunkSize)
	for i := range n {
		if _, err := s.coll(collMediaChunks).DeleteOne(ctx, bson.D{{Key: "_id", Value: chunkID(f.ID, i)}}); err != nil {
			return translate(err, "delete blob", "blob")
		}
	}
	return nil
}
