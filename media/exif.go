package media

import "encoding/binary"

// Orientation reads the EXIF orientation (1–8, TIFF tag 0x0112 of IFD0) of a JPEG from its first
// bytes (the APP1 segment precedes the image data, so the first 128 KiB are plenty). Anything
// missing, malformed or out of range is 1, "upright": a broken tag must never fail an upload.
func Orientation(jpeg []byte) int {
	if len(jpeg) < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(jpeg) {
		if jpeg[i] != 0xFF {
			return 1
		}
		marker := jpeg[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // image data or end: no EXIF before it
			return 1
		}
		n := int(binary.BigEndian.Uint16(jpeg[i+2 : i+4]))
		if n < 2 {
			return 1
		}
		end := min(i+2+n, len(jpeg))
		seg := jpeg[i+4 : end]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF structure (the body of an EXIF block);
// 0 when absent or invalid.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int64(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0
	}
	count := int64(bo.Uint16(t[off : off+2]))
	for e := int64(0); e < count; e++ {
		p := off + 2 + 12*e
		if p+12 > int64(len(t)) {
			return 0
		}
		if bo.Uint16(t[p:p+2]) != 0x0112 {
			continue
		}
		typ, n := bo.Uint16(t[p+2:p+4]), bo.Uint32(t[p+4:p+8])
		if typ != 3 || n < 1 { // SHORT
			return 0
		}
		if v := int(bo.Uint16(t[p+8 : p+10])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}
