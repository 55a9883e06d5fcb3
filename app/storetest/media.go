package storetest

// Media (app.MediaStore and its app.BlobStore), decisions pinned beyond the interface comments:
//   - Every field of a record round-trips; CreatedAt to the millisecond.
//   - A blob's key is the lowercase hex SHA-256 of its bytes; the empty blob is a blob.
//   - OpenBlob at offset == size reads nothing; past it, or negative, is EInvalid.
//   - Concurrent puts of the same bytes all succeed with the same key, and the blob reads back
//     whole.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

// RunMedia runs the media contract against the store open returns (a fresh, empty store per
// subtest, as for Run).
func RunMedia(t *testing.T, open func(t *testing.T) app.Store) {
	for _, tc := range []storeTest{
		{"RecordRoundTrip", testMediaRoundTrip},
		{"Attach", testMediaAttach},
		{"UnattachedAndDelete", testMediaUnattached},
		{"UnattachedBytes", testMediaUnattachedBytes},
		{"BlobRoundTrip", testBlobRoundTrip},
		{"BlobConcurrentPuts", testBlobConcurrentPuts},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

func mediaRecord(id, owner, sha string, age time.Duration) *models.Media {
	return &models.Media{ID: id, OwnerID: owner, Kind: models.MediaImage, ContentType: "image/jpeg", Bytes: 1234,
		Width: 640, Height: 480, SHA256: sha, Blob: "blob-" + sha, BlobBytes: 1000, ThumbBlob: "thumb-" + sha,
		LargeBlob: "large-" + sha, CreatedAt: at(age)}
}

func testMediaRoundTrip(t *testing.T, s app.Store) {
	m := mediaRecord("m1", "u1", "aa", 0)
	must(t, s.CreateMedia(ctx(t), m), "CreateMedia")
	got, err := s.MediaByID(ctx(t), "m1")
	must(t, err, "MediaByID")
	wantEqual(t, "MediaByID", m, got)
	got, err = s.MediaByHash(ctx(t), "u1", "aa")
	must(t, err, "MediaByHash")
	wantEqual(t, "MediaByHash", m, got)
	v := &models.Media{ID: "m2", OwnerID: "u1", Kind: models.MediaVideo, ContentType: "video/mp4", Bytes: 99, SHA256: "bb",
		Blob: "v", BlobBytes: 99, CreatedAt: at(time.Second)}
	must(t, s.CreateMedia(ctx(t), v), "CreateMedia video")
	got, err = s.MediaByID(ctx(t), "m2")
	must(t, err, "MediaByID video")
	wantEqual(t, "MediaByID video", v, got)

	wantCode(t, s.CreateMedia(ctx(t), mediaRecord("m1", "u2", "cc", 0)), models.EConflict, "CreateMedia taken id")
	wantCode(t, s.CreateMedia(ctx(t), mediaRecord("m3", "u1", "aa", 0)), models.EConflict, "CreateMedia same owner and hash")
	must(t, s.CreateMedia(ctx(t), mediaRecord("m4", "u2", "aa", 0)), "CreateMedia same hash, other owner")
	_, err = s.MediaByID(ctx(t), "nope")
	wantCode(t, err, models.ENotFound, "MediaByID absent")
	_, err = s.MediaByHash(ctx(t), "u3", "aa")
	wantCode(t, err, models.ENotFound, "MediaByHash other owner")
}

func testMediaAttach(t *testing.T, s app.Store) {
	must(t, s.CreateMedia(ctx(t), mediaRecord("m1", "u1", "aa", 0)), "CreateMedia")
	wantCode(t, s.AttachMedia(ctx(t), "m1", "u2", "t1"), models.ENotFound, "AttachMedia other owner")
	wantCode(t, s.AttachMedia(ctx(t), "absent", "u1", "t1"), models.ENotFound, "AttachMedia absent")
	must(t, s.AttachMedia(ctx(t), "m1", "u1", "t1"), "AttachMedia")
	must(t, s.AttachMedia(ctx(t), "m1", "u1", "t1"), "AttachMedia again (retry)")
	wantCode(t, s.AttachMedia(ctx(t), "m1", "u1", "t2"), models.EConflict, "AttachMedia elsewhere")
	got, err := s.MediaByID(ctx(t), "m1")
	must(t, err, "MediaByID")
	if got.TicketID != "t1" {
		t.Errorf("TicketID = %q, want t1", got.TicketID)
	}
	// Of concurrent attachments to different tickets exactly one wins.
	must(t, s.CreateMedia(ctx(t), mediaRecord("m2", "u1", "bb", 0)), "CreateMedia")
	errs := make([]error, 6)
	concurrently(6, func(i int) { errs[i] = s.AttachMedia(ctx(t), "m2", "u1", fmt.Sprintf("t%d", i)) })
	wantOneWinner(t, errs, models.EConflict, "concurrent AttachMedia")
}

func testMediaUnattached(t *testing.T, s app.Store) {
	for i, id := range []string{"old2", "old1", "new", "attached"} {
		m := mediaRecord(id, "u1", id, time.Duration(i)*time.Minute)
		if id == "old1" {
			m.CreatedAt = at(0) // same instant as old2: sorted by id then
		}
		must(t, s.CreateMedia(ctx(t), m), "CreateMedia "+id)
	}
	must(t, s.AttachMedia(ctx(t), "attached", "u1", "t1"), "AttachMedia")
	ids := func(ms []*models.Media) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	got, err := s.FindUnattachedMedia(ctx(t), at(2*time.Minute), 0)
	must(t, err, "FindUnattachedMedia")
	wantEqual(t, "FindUnattachedMedia", []string{"old1", "old2"}, ids(got))
	got, err = s.FindUnattachedMedia(ctx(t), at(time.Hour), 1)
	must(t, err, "FindUnattachedMedia limit")
	wantEqual(t, "FindUnattachedMedia limit", []string{"old1"}, ids(got))

	wantCode(t, s.DeleteMedia(ctx(t), "attached", ""), models.EConflict, "DeleteMedia attached as unattached")
	wantCode(t, s.DeleteMedia(ctx(t), "absent", ""), models.ENotFound, "DeleteMedia absent")
	inUse, err := s.MediaBlobInUse(ctx(t), "thumb-old1")
	must(t, err, "MediaBlobInUse")
	if !inUse {
		t.Error("thumb-old1 not in use before the delete")
	}
	must(t, s.DeleteMedia(ctx(t), "old1", ""), "DeleteMedia")
	for _, key := range []string{"blob-old1", "thumb-old1", "large-old1", "unknown"} {
		inUse, err := s.MediaBlobInUse(ctx(t), key)
		must(t, err, "MediaBlobInUse")
		if inUse {
			t.Errorf("%s in use after the delete", key)
		}
	}
	must(t, s.DeleteMedia(ctx(t), "attached", "t1"), "DeleteMedia attached, naming its ticket")
	_, err = s.MediaByID(ctx(t), "old1")
	wantCode(t, err, models.ENotFound, "MediaByID deleted")
}

func testMediaUnattachedBytes(t *testing.T, s app.Store) {
	sum := func(owner string, want int64, what string) {
		t.Helper()
		got, err := s.UnattachedMediaBytes(ctx(t), owner)
		must(t, err, "UnattachedMediaBytes "+what)
		if got != want {
			t.Errorf("UnattachedMediaBytes(%s) %s = %d, want %d", owner, what, got, want)
		}
	}
	sum("u1", 0, "of no records")
	for i, id := range []string{"a", "b", "c"} {
		m := mediaRecord(id, "u1", id, time.Duration(i)*time.Minute)
		m.Bytes = int64(3_000_000_000 + i) // past 2³¹: 64-bit sums
		must(t, s.CreateMedia(ctx(t), m), "CreateMedia "+id)
	}
	must(t, s.CreateMedia(ctx(t), mediaRecord("other", "u2", "o", 0)), "CreateMedia other owner")
	sum("u1", 9_000_000_003, "of three")
	must(t, s.AttachMedia(ctx(t), "b", "u1", "t1"), "AttachMedia")
	sum("u1", 6_000_000_002, "after attaching one")
	must(t, s.DeleteMedia(ctx(t), "a", ""), "DeleteMedia")
	sum("u1", 3_000_000_002, "after deleting one")
	sum("u2", 1234, "of another owner")
}

// pattern returns n bytes that differ at every chunk and block boundary.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7+i/251) ^ seed
	}
	return b
}

func readBlob(t *testing.T, s app.Store, key string, offset int64) ([]byte, int64) {
	t.Helper()
	r, size, err := s.OpenBlob(ctx(t), key, offset)
	must(t, err, "OpenBlob")
	defer r.Close()
	data, err := io.ReadAll(r)
	must(t, err, "read blob")
	return data, size
}

func testBlobRoundTrip(t *testing.T, s app.Store) {
	data := pattern(700_000, 1) // several GridFS chunks and file-system blocks
	sum := sha256.Sum256(data)
	key, size, err := s.PutBlob(ctx(t), bytes.NewReader(data))
	must(t, err, "PutBlob")
	if key != hex.EncodeToString(sum[:]) || size != int64(len(data)) {
		t.Fatalf("PutBlob = %s, %d; want the SHA-256 and %d", key, size, len(data))
	}
	key2, _, err := s.PutBlob(ctx(t), bytes.NewReader(data))
	must(t, err, "PutBlob again")
	if key2 != key {
		t.Fatalf("second put: key %s", key2)
	}
	for _, off := range []int64{0, 1, 255 << 10, 300_001, int64(len(data))} {
		got, n := readBlob(t, s, key, off)
		if n != int64(len(data)) || !bytes.Equal(got, data[off:]) {
			t.Errorf("offset %d: size %d, %d bytes read, equal %v", off, n, len(got), bytes.Equal(got, data[off:]))
		}
	}
	_, _, err = s.OpenBlob(ctx(t), key, int64(len(data))+1)
	wantCode(t, err, models.EInvalid, "OpenBlob past the end")
	_, _, err = s.OpenBlob(ctx(t), hex.EncodeToString(make([]byte, 32)), 0)
	wantCode(t, err, models.ENotFound, "OpenBlob unknown")
	_, _, err = s.OpenBlob(ctx(t), "../../etc/passwd", 0)
	wantCode(t, err, models.ENotFound, "OpenBlob bad key")

	empty, n, err := s.PutBlob(ctx(t), bytes.NewReader(nil))
	must(t, err, "PutBlob empty")
	if got, size := readBlob(t, s, empty, 0); n != 0 || size != 0 || len(got) != 0 {
		t.Errorf("empty blob: %d, %d, %d", n, size, len(got))
	}

	must(t, s.DeleteBlob(ctx(t), key), "DeleteBlob")
	_, _, err = s.OpenBlob(ctx(t), key, 0)
	wantCode(t, err, models.ENotFound, "OpenBlob deleted")
	must(t, s.DeleteBlob(ctx(t), key), "DeleteBlob absent")
}

func testBlobConcurrentPuts(t *testing.T, s app.Store) {
	data := pattern(300_000, 2)
	keys := make([]string, 6)
	errs := make([]error, 6)
	concurrently(6, func(i int) { keys[i], _, errs[i] = s.PutBlob(ctx(t), bytes.NewReader(data)) })
	for i := range keys {
		must(t, errs[i], "concurrent PutBlob")
		if keys[i] != keys[0] {
			t.Fatalf("keys differ: %v", keys)
		}
	}
	if got, _ := readBlob(t, s, keys[0], 0); !bytes.Equal(got, data) {
		t.Error("blob written concurrently does not read back whole")
	}
}
