package media

import (
	"encoding/binary"
	"errors"
)

// errBadWebP reports a RIFF structure StripWebP cannot walk safely.
var errBadWebP = errors.New("malformed WebP container")

// StripWebP returns the WebP file without its EXIF and XMP chunks (and with the VP8X flags that
// announce them cleared), leaving the image data untouched, so no re-encoder is needed: the
// golang.org/x/image module decodes WebP but has no encoder. The colour profile (ICCP) stays; it
// says nothing about the person. Browsers ignore EXIF orientation in WebP, so dropping it keeps
// the picture as it was shown.
func StripWebP(b []byte) ([]byte, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, errBadWebP
	}
	riffEnd := 8 + int64(binary.LittleEndian.Uint32(b[4:8]))
	if riffEnd > int64(len(b)) || riffEnd < 12 {
		return nil, errBadWebP
	}
	out := make([]byte, 12, riffEnd)
	copy(out, b[:12])
	i := int64(12)
	for i < riffEnd {
		if i+8 > riffEnd {
			return nil, errBadWebP
		}
		fourcc := string(b[i : i+4])
		size := int64(binary.LittleEndian.Uint32(b[i+4 : i+8]))
		end := i + 8 + size + size%2 // chunks are padded to an even length
		if end > riffEnd {
			if i+8+size != riffEnd { // tolerate only a missing final pad byte
				return nil, errBadWebP
			}
			end = riffEnd
		}
		switch fourcc {
		case "EXIF", "XMP ":
		case "VP8X":
			start := len(out)
			out = append(out, b[i:end]...)
			if size >= 1 {
				out[start+8] &^= 0x08 | 0x04 // EXIF and XMP present
			}
		default:
			out = append(out, b[i:end]...)
		}
		i = end
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}
