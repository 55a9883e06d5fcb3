package models

import "time"

// MediaKind says whether an upload is a picture or a video; they are validated, stored and served
// differently (only images are re-encoded, thumbnailed and ever shown publicly).
type MediaKind string

// Media kinds.
const (
	MediaImage MediaKind = "image"
	MediaVideo MediaKind = "video"
)

// Media renditions a client may ask for with ?size=.
const (
	SizeOriginal = ""      // the stored file: the metadata-free re-encode of an image, a video as uploaded
	SizeThumb    = "thumb" // a JPEG whose longer side is at most 320 px (lists)
	SizeLarge    = "large" // a JPEG whose longer side is at most 1280 px (detail views)
)

// Media is one uploaded photo or video. It belongs to the user who uploaded it until it is
// attached to exactly one ticket (TicketID), which then decides who may read it.
//
// SHA256 and Bytes describe the file as the client sent it: a second upload of the same file by
// the same user is recognised by them and answered with the first record. The blobs are
// content-addressed keys in the blob store (app.BlobStore): Blob is the file served as the
// original — for an image the re-encode without EXIF/XMP/IPTC, orientation applied — and
// ThumbBlob and LargeBlob the JPEG renditions (empty for video).
type Media struct {
	ID          string    `json:"id"`
	OwnerID     string    `json:"owner_id"`
	Kind        MediaKind `json:"kind"`
	ContentType string    `json:"content_type"`
	Bytes       int64     `json:"bytes"`
	Width       int       `json:"width,omitempty"`
	Height      int       `json:"height,omitempty"`
	SHA256      string    `json:"sha256"`
	Blob        string    `json:"-"`
	BlobBytes   int64     `json:"-"`
	ThumbBlob   string    `json:"-"`
	LargeBlob   string    `json:"-"`
	TicketID    string    `json:"-"` // "" while unattached
	CreatedAt   time.Time `json:"created_at"`
}

// Blobs lists every blob key the record refers to.
func (m *Media) Blobs() []string {
	var out []string
	for _, k := range []string{m.Blob, m.ThumbBlob, m.LargeBlob} {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}
