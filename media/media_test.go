package media_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"phananh/media"
	"phananh/models"
)

// exifSegment builds an APP1 EXIF segment with IFD0 holding the orientation and a GPS IFD
// pointer to a latitude, in the given byte order ("II" or "MM").
func exifSegment(order string, orientation uint16) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	if order == "MM" {
		bo = binary.BigEndian
	}
	t := []byte(order)
	t = bo.AppendUint16(t, 42)
	t = bo.AppendUint32(t, 8)
	// IFD0: 2 entries: orientation, GPS IFD pointer.
	t = bo.AppendUint16(t, 2)
	t = bo.AppendUint16(t, 0x0112)
	t = bo.AppendUint16(t, 3)
	t = bo.AppendUint32(t, 1)
	t = bo.AppendUint16(t, orientation)
	t = bo.AppendUint16(t, 0)
	t = bo.AppendUint16(t, 0x8825)
	t = bo.AppendUint16(t, 4)
	t = bo.AppendUint32(t, 1)
	t = bo.AppendUint32(t, 8+2+2*12+4)
	t = bo.AppendUint32(t, 0) // next IFD
	// GPS IFD: GPSLatitudeRef "N".
	t = bo.AppendUint16(t, 1)
	t = bo.AppendUint16(t, 0x0001)
	t = bo.AppendUint16(t, 2)
	t = bo.AppendUint32(t, 2)
	t = append(t, 'N', 0, 0, 0)
	t = bo.AppendUint32(t, 0)
	body := append([]byte("Exif\x00\x00"), t...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(body)+2))
	return append(seg, body...)
}

// withEXIF inserts seg right after the SOI marker of a JPEG.
func withEXIF(jpg, seg []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// halves is a w×h picture, red on the left half and blue on the right.
func halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func encJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encPNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader is a PNG signature and a valid IHDR chunk declaring w×h, without image data.
func pngHeader(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}

// webp1x1 is a 1×1 lossless WebP.
func webp1x1(t testing.TB) []byte {
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// webpWithEXIF wraps the VP8L chunk of webp1x1 in a VP8X container with EXIF and XMP chunks.
func webpWithEXIF(t testing.TB) []byte {
	vp8l := webp1x1(t)[12:]
	vp8x := []byte("VP8X")
	vp8x = binary.LittleEndian.AppendUint32(vp8x, 10)
	vp8x = append(vp8x, 0x08|0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	exif := exifSegment("II", 1)[10:] // the TIFF structure only
	chunk := func(fourcc string, data []byte) []byte {
		c := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
		c = append(c, data...)
		if len(data)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	body := append([]byte("WEBP"), vp8x...)
	body = append(body, chunk("EXIF", exif)...)
	body = append(body, chunk("XMP ", []byte("<x:xmpmeta>GPS</x:xmpmeta>"))...)
	body = append(body, vp8l...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

func TestSniff(t *testing.T) {
	ftyp := func(major string, compat ...string) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(16+4*len(compat)))
		b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
		for _, c := range compat {
			b = append(b, c...)
		}
		return append(b, make([]byte, 64)...)
	}
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"jpeg", encJPEG(t, halves(4, 4)), media.JPEG},
		{"png", encPNG(t, halves(4, 4)), media.PNG},
		{"webp", webp1x1(t), media.WebP},
		{"mp4", ftyp("isom", "iso2", "avc1", "mp41"), media.MP4},
		{"mov", ftyp("qt  ", "qt  "), media.QuickTime},
		{"old mov", append([]byte{0, 0, 0, 8}, "wide\x00\x00\x00\x08mdat"...), media.QuickTime},
		{"heic", ftyp("heic", "mif1", "heic"), media.HEIC},
		{"heif listed after mp4 brands", ftyp("mif1", "mp41", "heic"), media.HEIC},
		{"avif", ftyp("avif", "avif", "mif1"), media.AVIF},
		{"exe", append([]byte("MZ\x90\x00\x03"), make([]byte, 60)...), ""},
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ"), ""},
		{"text", []byte("hello, world, this is not a picture"), ""},
		{"empty", nil, ""},
		{"unknown brand", ftyp("abcd"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := media.Sniff(tc.head[:min(len(tc.head), media.SniffLen)]); got != tc.want {
				t.Errorf("Sniff = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOrientation(t *testing.T) {
	plain := encJPEG(t, halves(8, 8))
	for _, order := range []string{"II", "MM"} {
		for o := uint16(1); o <= 8; o++ {
			if got := media.Orientation(withEXIF(plain, exifSegment(order, o))); got != int(o) {
				t.Errorf("%s orientation %d: got %d", order, o, got)
			}
		}
		if got := media.Orientation(withEXIF(plain, exifSegment(order, 9))); got != 1 {
			t.Errorf("%s out-of-range orientation: got %d, want 1", order, got)
		}
	}
	for name, b := range map[string][]byte{"no exif": plain, "empty": nil, "not jpeg": []byte("GIF89a"),
		"truncated segment": withEXIF(plain, exifSegment("II", 6))[:20]} {
		if got := media.Orientation(b); got != 1 {
			t.Errorf("%s: got %d, want 1", name, got)
		}
	}
}

func TestProcessJPEGStripsAndOrients(t *testing.T) {
	src := withEXIF(encJPEG(t, halves(400, 200)), exifSegment("MM", 6))
	if !bytes.Contains(src, []byte("Exif")) {
		t.Fatal("test image has no EXIF")
	}
	img, err := media.Process(bytes.NewReader(src), media.JPEG, 40e6)
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 200 || img.Height != 400 {
		t.Errorf("size %d×%d, want 200×400 (rotated)", img.Width, img.Height)
	}
	for name, b := range map[string][]byte{"data": img.Data, "thumb": img.Thumb, "large": img.Large} {
		if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte{0xFF, 0xE1}) {
			t.Errorf("%s still has an APP1/EXIF segment", name)
		}
		dec, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Orientation 6 turns the red left half to the top.
		bd := dec.Bounds()
		top := color.RGBAModel.Convert(dec.At(bd.Dx()/2, bd.Dy()/8)).(color.RGBA)
		bottom := color.RGBAModel.Convert(dec.At(bd.Dx()/2, bd.Dy()*7/8)).(color.RGBA)
		if top.R < 150 || top.B > 100 || bottom.B < 150 || bottom.R > 100 {
			t.Errorf("%s: top %v bottom %v, want red above blue", name, top, bottom)
		}
	}
	thumb, _ := jpeg.DecodeConfig(bytes.NewReader(img.Thumb))
	large, _ := jpeg.DecodeConfig(bytes.NewReader(img.Large))
	if thumb.Height != media.ThumbSide || thumb.Width != media.ThumbSide/2 || large.Height != 400 {
		t.Errorf("thumb %d×%d, large %d×%d", thumb.Width, thumb.Height, large.Width, large.Height)
	}
}

func TestProcessPNGAndWebP(t *testing.T) {
	pngBytes := encPNG(t, halves(2000, 100))
	img, err := media.Process(bytes.NewReader(pngBytes), media.PNG, 40e6)
	if err != nil {
		t.Fatal(err)
	}
	if img.ContentType != media.PNG || img.Width != 2000 || img.Height != 100 {
		t.Errorf("png: %s %d×%d", img.ContentType, img.Width, img.Height)
	}
	if large, _ := jpeg.DecodeConfig(bytes.NewReader(img.Large)); large.Width != media.LargeSide {
		t.Errorf("large width %d", large.Width)
	}
	w := webpWithEXIF(t)
	img, err = media.Process(bytes.NewReader(w), media.WebP, 40e6)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(img.Data, []byte("EXIF")) || bytes.Contains(img.Data, []byte("XMP ")) || bytes.Contains(img.Data, []byte("GPS")) {
		t.Errorf("webp keeps metadata: %q", img.Data)
	}
	if img.Data[20]&(0x08|0x04) != 0 {
		t.Errorf("VP8X flags still announce metadata: %#x", img.Data[20])
	}
	if _, err := media.Process(bytes.NewReader(img.Data), media.WebP, 40e6); err != nil {
		t.Errorf("stripped WebP does not decode: %v", err)
	}
}

func TestProcessRefuses(t *testing.T) {
	full := encJPEG(t, halves(300, 300))
	tests := []struct {
		name, ct string
		data     []byte
		code     string
	}{
		{"bomb png header", media.PNG, pngHeader(60000, 60000), models.EUnprocessable},
		{"over the pixel limit", media.PNG, pngHeader(8000, 5001), models.EUnprocessable},
		{"truncated jpeg", media.JPEG, full[:len(full)/2], models.EUnprocessable},
		{"garbage", media.JPEG, []byte{0xFF, 0xD8, 0xFF, 0, 1, 2, 3}, models.EUnprocessable},
		{"heic", media.HEIC, []byte("whatever"), models.EUnsupportedMedia},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := media.Process(bytes.NewReader(tc.data), tc.ct, 40e6)
			if !models.IsCode(err, tc.code) {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
		})
	}
}

func FuzzOrientation(f *testing.F) {
	plain := encJPEG(f, halves(8, 8))
	f.Add(withEXIF(plain, exifSegment("II", 6)))
	f.Add(withEXIF(plain, exifSegment("MM", 3)))
	f.Add(plain)
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := media.Orientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}

func FuzzSniff(f *testing.F) {
	f.Add(webp1x1(f))
	f.Add([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"))
	f.Fuzz(func(t *testing.T, b []byte) {
		switch media.Sniff(b) {
		case "", media.JPEG, media.PNG, media.WebP, media.HEIC, media.AVIF, media.MP4, media.QuickTime:
		default:
			t.Fatal("unknown type")
		}
	})
}

func FuzzStripWebP(f *testing.F) {
	f.Add(webp1x1(f))
	f.Add(webpWithEXIF(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := media.StripWebP(b)
		if err != nil {
			return
		}
		if len(out) > len(b) {
			t.Fatalf("grew from %d to %d bytes", len(b), len(out))
		}
		again, err := media.StripWebP(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("stripping is not idempotent: %v", err)
		}
	})
}
