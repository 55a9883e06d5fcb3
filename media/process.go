package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"phananh/models"
)

// Rendition sizes: the longer side of the list thumbnail and of the detail view.
const (
	ThumbSide = 320
	LargeSide = 1280
)

// jpegQuality of the re-encoded original and of the renditions: visually lossless for photos.
const jpegQuality = 88

// Image is an accepted picture ready to store.
type Image struct {
	ContentType   string
	Width, Height int    // as displayed, orientation applied
	Data          []byte // the original without metadata
	Thumb, Large  []byte // JPEG renditions
}

// Process validates and cleans an image of contentType (JPEG, PNG or WebP) read from r:
//
//  1. it reads the dimensions from the header alone (image.DecodeConfig) and refuses more than
//     maxPixels before anything is decoded, so a 60,000×60,000 PNG of a few kilobytes never
//     allocates its 14 GB;
//  2. it decodes the whole image, refusing a truncated or corrupt file;
//  3. JPEG: it turns the pixels by the EXIF orientation and re-encodes them, which writes no
//     APPn segment — EXIF (GPS included), XMP and IPTC are gone; PNG: it re-encodes, which
//     drops every ancillary text and eXIf chunk; WebP: it removes the EXIF and XMP chunks;
//  4. it renders the 320 px and 1280 px JPEGs (never enlarging).
//
// Memory: decoding needs about 4 bytes per pixel, so concurrent calls must be bounded by the
// caller (the app runs a few at a time).
func Process(r io.ReadSeeker, contentType string, maxPixels int64) (*Image, error) {
	var decodeConfig func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch contentType {
	case JPEG:
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	case PNG:
		decodeConfig, decode = png.DecodeConfig, png.Decode
	case WebP:
		decodeConfig, decode = webp.DecodeConfig, webp.Decode
	default:
		return nil, models.FieldError(models.EUnsupportedMedia, "file", "%s images are not accepted; send JPEG, PNG or WebP", contentType)
	}
	cfg, err := decodeConfig(r)
	if err != nil {
		return nil, corrupt(contentType, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, models.FieldError(models.EUnprocessable, "file", "the image has no pixels")
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return nil, models.FieldError(models.EUnprocessable, "file", "the image is %d×%d pixels (%.1f megapixels); at most %.0f megapixels are accepted",
			cfg.Width, cfg.Height, float64(px)/1e6, float64(maxPixels)/1e6)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind image: %w", err)
	}
	raw, err := io.ReadAll(r) // at most the image size limit; WebP stripping and EXIF need the bytes
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	img, err := decode(bytes.NewReader(raw))
	if err != nil {
		return nil, corrupt(contentType, err)
	}
	out := &Image{ContentType: contentType}
	switch contentType {
	case JPEG:
		img = orient(img, Orientation(raw[:min(len(raw), 128<<10)]))
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return nil, fmt.Errorf("encode JPEG: %w", err)
		}
		out.Data = buf.Bytes()
	case PNG:
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("encode PNG: %w", err)
		}
		out.Data = buf.Bytes()
	case WebP:
		if out.Data, err = StripWebP(raw); err != nil {
			return nil, corrupt(contentType, err)
		}
	}
	b := img.Bounds()
	out.Width, out.Height = b.Dx(), b.Dy()
	large := fit(img, LargeSide)
	if out.Large, err = encodeJPEG(large); err != nil {
		return nil, err
	}
	if out.Thumb, err = encodeJPEG(fit(large, ThumbSide)); err != nil {
		return nil, err
	}
	return out, nil
}

func corrupt(contentType string, err error) error {
	e := models.WrapError(models.EUnprocessable, err, "the file is not a complete, valid %s image", contentType)
	e.Field = "file"
	return e
}

// fit scales img so that its longer side is at most side, on white (JPEG has no transparency).
func fit(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/w)
		} else {
			w, h = max(1, w*side/h), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over)
		return dst
	}
	draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	return dst
}

func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("encode rendition: %w", err)
	}
	return buf.Bytes(), nil
}

// orient returns img as it should be displayed given its EXIF orientation (1 = as stored).
// Orientations 5–8 swap width and height.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+4*w]
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored horizontally
				dx, dy = w-1-x, y
			case 3: // rotated 180°
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // rotated 90° clockwise to display
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // rotated 90° counter-clockwise to display
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+4*dx:dy*dst.Stride+4*dx+4], row[4*x:4*x+4])
		}
	}
	return dst
}
