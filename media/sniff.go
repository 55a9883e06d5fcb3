// Package media decides what an uploaded file is from its bytes and turns accepted images into
// what phananh stores: the picture upright, without EXIF/XMP/IPTC metadata (GPS included), plus
// 320 px and 1280 px JPEG renditions; and it blanks the location and device metadata of MP4 and
// QuickTime videos without re-encoding or moving a byte of them (CleanVideo). It checks an
// image's declared size from its header before decoding a single pixel, so a decompression bomb
// costs nothing. The parsers (Sniff, Orientation, StripWebP, CleanVideo) take arbitrary bytes and
// are fuzzed.
package media

import (
	"bytes"
	"encoding/binary"
)

// Content types Sniff reports. HEIC/HEIF and AVIF are recognised only to be refused with a clear
// message: no pure-Go decoder exists, and without decoding them their metadata cannot be removed.
const (
	JPEG      = "image/jpeg"
	PNG       = "image/png"
	WebP      = "image/webp"
	HEIC      = "image/heic"
	AVIF      = "image/avif"
	MP4       = "video/mp4"
	QuickTime = "video/quicktime"
)

// SniffLen is how many leading bytes Sniff needs at most.
const SniffLen = 64

// Sniff returns the content type of a file from its first bytes (at least SniffLen when the file
// is that long), or "" when it is none of the known types. The file name and the client's
// Content-Type are never consulted: both are under the sender's control.
func Sniff(head []byte) string {
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return JPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case len(head) >= 16 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP" && string(head[12:15]) == "VP8":
		return WebP
	}
	if len(head) < 12 {
		return ""
	}
	box := string(head[4:8])
	if box != "ftyp" {
		// QuickTime files written before the ftyp box existed start with one of these atoms.
		switch box {
		case "moov", "mdat", "wide", "pnot":
			return QuickTime
		}
		return ""
	}
	size := int(binary.BigEndian.Uint32(head[0:4]))
	if size < 16 || size > len(head) {
		size = len(head)
	}
	brands := []string{string(head[8:12])}
	for i := 16; i+4 <= size; i += 4 { // the compatible brands after the minor version
		brands = append(brands, string(head[i:i+4]))
	}
	// An image brand anywhere wins: HEIF files often list mp41/iso8 as compatible too.
	for _, b := range brands {
		switch b {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
			return HEIC
		case "avif", "avis":
			return AVIF
		}
	}
	switch brands[0] {
	case "qt  ":
		return QuickTime
	case "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso8", "mp41", "mp42", "avc1", "dash", "M4V ", "M4VH", "M4VP", "MSNV", "3gp4", "3gp5", "3gp6", "3g2a":
		return MP4
	}
	return ""
}
