package tests

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	bin "encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// --- test files, generated in code ---

// exifAPP1 is an APP1 EXIF segment (big-endian TIFF) with an orientation and a GPS IFD holding
// a latitude: what a phone writes into every photo.
func exifAPP1(orientation uint16) []byte {
	bo := bin.BigEndian
	t := []byte("MM\x00*")
	t = bo.AppendUint32(t, 8)
	t = bo.AppendUint16(t, 2)
	t = bo.AppendUint16(bo.AppendUint16(bo.AppendUint32(bo.AppendUint16(bo.AppendUint16(t, 0x0112), 3), 1), orientation), 0)
	t = bo.AppendUint32(bo.AppendUint32(bo.AppendUint16(bo.AppendUint16(t, 0x8825), 4), 1), 8+2+2*12+4)
	t = bo.AppendUint32(t, 0)
	t = bo.AppendUint16(t, 1)
	t = bo.AppendUint32(bo.AppendUint16(bo.AppendUint16(t, 0x0002), 5), 3) // GPSLatitude, 3 RATIONALs
	t = bo.AppendUint32(t, uint32(len(t)+4+4))
	t = bo.AppendUint32(t, 0)
	for _, v := range []uint32{10, 1, 23, 1, 1234, 100} { // 10° 23' 12.34"
		t = bo.AppendUint32(t, v)
	}
	body := append([]byte("Exif\x00\x00"), t...)
	return append(bo.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(body)+2)), body...)
}

// redBlue is w×h, red on the left half and blue on the right.
func redBlue(w, h int, shade uint8) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{220, shade, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, shade, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func jpegBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// phoneJPEG is a 600×300 photo stored sideways with EXIF orientation 6 and a GPS position.
func phoneJPEG(t testing.TB, shade uint8) []byte {
	j := jpegBytes(t, redBlue(600, 300, shade))
	return append(append(append([]byte{}, j[:2]...), exifAPP1(6)...), j[2:]...)
}

func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombPNG is only a PNG signature and a valid IHDR chunk declaring w×h.
func bombPNG(w, h uint32) []byte {
	ihdr := bin.BigEndian.AppendUint32(bin.BigEndian.AppendUint32([]byte("IHDR"), w), h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := bin.BigEndian.AppendUint32([]byte("\x89PNG\r\n\x1a\n"), 13)
	return bin.BigEndian.AppendUint32(append(out, ihdr...), crc32.ChecksumIEEE(ihdr))
}

// webpWithEXIF is a 1×1 lossless WebP in a VP8X container with an EXIF chunk.
func webpWithEXIF(t testing.TB) []byte {
	base, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		t.Fatal(err)
	}
	exif := exifAPP1(1)[10:]
	body := append([]byte("WEBPVP8X"), bin.LittleEndian.AppendUint32(nil, 10)...)
	body = append(body, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	body = append(append(append(body, "EXIF"...), bin.LittleEndian.AppendUint32(nil, uint32(len(exif)))...), exif...)
	if len(exif)%2 == 1 {
		body = append(body, 0)
	}
	body = append(body, base[12:]...)
	return append(append([]byte("RIFF"), bin.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// videoHeader starts an MP4 (brand isom) or a MOV (brand "qt  ") of n bytes: ftyp, an empty
// moov and the header of an mdat holding the rest — a box structure the server accepts and,
// having no metadata, stores byte for byte.
func videoHeader(brand string, n int64) []byte {
	b := bin.BigEndian.AppendUint32(nil, 24)
	b = append(b, "ftyp"+brand+"\x00\x00\x02\x00"+brand+"mp41"...)
	b = append(bin.BigEndian.AppendUint32(b, 8), "moov"...)
	return append(bin.BigEndian.AppendUint32(b, uint32(n-int64(len(b)))), "mdat"...)
}

// videoReader yields a video of n bytes whose content depends on seed, without holding it.
func videoReader(brand string, n int64, seed byte) io.Reader {
	h := videoHeader(brand, n)
	return io.MultiReader(bytes.NewReader(h), io.LimitReader(&patternReader{seed: seed}, n-int64(len(h))))
}

type patternReader struct {
	seed byte
	i    int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	for k := range b {
		b[k] = byte(p.i*31+p.i>>9) ^ p.seed
		p.i++
	}
	return len(b), nil
}

func video(t testing.TB, brand string, n int64, seed byte) []byte {
	t.Helper()
	b, err := io.ReadAll(videoReader(brand, n, seed))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// --- HTTP helpers ---

type mediaResp struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	ContentType string `json:"content_type"`
	Bytes       int64  `json:"bytes"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	SHA256      string `json:"sha256"`
}

// upload posts data as the form field "file" (with a misleading name and type, which must not
// matter) and returns the answer.
func (s *server) upload(t testing.TB, token, filename string, data io.Reader) response {
	t.Helper()
	r, err := s.uploadErr(token, filename, data)
	if err != nil {
		t.Fatalf("upload %s: %v", filename, err)
	}
	return r
}

func (s *server) uploadErr(token, filename string, data io.Reader) (response, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("caption", "ảnh hiện trường")
		fw, err := mw.CreateFormFile("file", filename)
		if err == nil {
			_, err = io.Copy(fw, data)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", s.base+"/v1/media", pr)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: body}, err
}

func (s *server) uploadOK(t testing.TB, token string, data []byte) mediaResp {
	t.Helper()
	r := s.upload(t, token, "photo.jpg", bytes.NewReader(data))
	if r.status != http.StatusCreated {
		t.Fatalf("upload: status %d: %s", r.status, r.body)
	}
	var m mediaResp
	r.json(t.(*testing.T), &m)
	return m
}

// storedFiles lists what the server keeps of media: blob files and staged uploads on disk, and
// media records and GridFS files in MongoDB.
func storedFiles(t *testing.T, s *server, st storeKind) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(s.dataDir, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(s.dataDir, path)
		if err == nil && !d.IsDir() && (strings.HasPrefix(rel, "media"+string(filepath.Separator)) || strings.HasPrefix(rel, "media-staging")) &&
			!strings.HasPrefix(rel, filepath.Join("media", "tmp")) {
			out = append(out, rel)
		}
		return nil
	})
	if st.mongo != nil {
		var uri, db string
		for _, e := range s.env {
			if v, ok := strings.CutPrefix(e, "MONGODB_URI="); ok {
				uri = v
			}
			if v, ok := strings.CutPrefix(e, "MONGODB_DATABASE="); ok {
				db = v
			}
		}
		client, err := mongo.Connect(options.Client().ApplyURI(uri))
		if err != nil {
			t.Fatal(err)
		}
		defer client.Disconnect(context.Background())
		for _, coll := range []string{"media", "media.files", "media.chunks"} {
			n, err := client.Database(db).Collection(coll).CountDocuments(t.Context(), bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				out = append(out, fmt.Sprintf("%s #%d", coll, i))
			}
		}
	}
	return out
}

// --- tests ---

// TestMediaRoundTrip uploads every accepted type and reads it back: images upright and without
// metadata, with their renditions; videos byte for byte, with ranges.
func TestMediaRoundTrip(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912600001")
		photo := phoneJPEG(t, 10)
		if !bytes.Contains(photo, []byte("Exif")) {
			t.Fatal("test photo has no EXIF")
		}
		files := []struct {
			name, ct, kind string
			data           []byte
			w, h           int
		}{
			{"gps.jpg", "image/jpeg", "image", photo, 300, 600},
			{"plan.png", "image/png", "image", pngBytes(t, redBlue(64, 32, 0)), 64, 32},
			{"tiny.webp", "image/webp", "image", webpWithEXIF(t), 1, 1},
			{"clip.mp4", "video/mp4", "video", video(t, "isom", 300_000, 1), 0, 0},
			{"clip.mov", "video/quicktime", "video", video(t, "qt  ", 300_000, 2), 0, 0},
		}
		for _, f := range files {
			t.Run(f.name, func(t *testing.T) {
				m := s.uploadOK(t, res.AccessToken, f.data)
				sum := sha256.Sum256(f.data)
				if m.Kind != f.kind || m.ContentType != f.ct || m.Bytes != int64(len(f.data)) || m.SHA256 != hex.EncodeToString(sum[:]) ||
					m.Width != f.w || m.Height != f.h {
					t.Fatalf("upload answer %+v", m)
				}
				got := s.request(t, "GET", "/v1/media/"+m.ID, res.AccessToken, nil).expect(t, http.StatusOK)
				if got.header.Get("Content-Type") != f.ct || got.header.Get("ETag") == "" || got.header.Get("Cache-Control") != "no-store" {
					t.Errorf("headers %v", got.header)
				}
				s.request(t, "GET", "/v1/media/"+m.ID, res.AccessToken, nil, "If-None-Match: "+got.header.Get("ETag")).expect(t, http.StatusNotModified)
				if again := s.upload(t, res.AccessToken, "again-"+f.name, bytes.NewReader(f.data)).expect(t, http.StatusOK); !bytes.Contains(again.body, []byte(m.ID)) {
					t.Errorf("second upload of the same file: %s, want id %s", again.body, m.ID)
				}
				if f.kind == "video" {
					if !bytes.Equal(got.body, f.data) {
						t.Fatal("video does not round-trip byte for byte")
					}
					part := s.request(t, "GET", "/v1/media/"+m.ID, res.AccessToken, nil, "Range: bytes=100000-100099").expect(t, http.StatusPartialContent)
					if !bytes.Equal(part.body, f.data[100000:100100]) || part.header.Get("Content-Range") != fmt.Sprintf("bytes 100000-100099/%d", len(f.data)) {
						t.Errorf("range: %d bytes, Content-Range %q", len(part.body), part.header.Get("Content-Range"))
					}
					s.request(t, "GET", "/v1/media/"+m.ID, res.AccessToken, nil, "Range: bytes=999999999-").expect(t, http.StatusRequestedRangeNotSatisfiable)
					s.request(t, "GET", "/v1/media/"+m.ID+"?size=thumb", res.AccessToken, nil).expect(t, http.StatusNotFound)
					return
				}
				if bytes.Contains(got.body, []byte("Exif")) || bytes.Contains(got.body, []byte("EXIF")) {
					t.Fatal("stored image still carries EXIF")
				}
				if f.ct == "image/jpeg" {
					img, err := jpeg.Decode(bytes.NewReader(got.body))
					if err != nil {
						t.Fatal(err)
					}
					b := img.Bounds()
					top := color.RGBAModel.Convert(img.At(b.Dx()/2, b.Dy()/8)).(color.RGBA)
					if b.Dx() != 300 || b.Dy() != 600 || top.R < 150 || top.B > 100 {
						t.Errorf("photo %d×%d with %v on top, want 300×600 upright (red on top)", b.Dx(), b.Dy(), top)
					}
				}
				for size, side := range map[string]int{"thumb": 320, "large": 1280} {
					r := s.request(t, "GET", "/v1/media/"+m.ID+"?size="+size, res.AccessToken, nil).expect(t, http.StatusOK)
					cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.body))
					if err != nil || r.header.Get("Content-Type") != "image/jpeg" || max(cfg.Width, cfg.Height) != min(side, max(f.w, f.h)) {
						t.Errorf("%s: %v %d×%d", size, err, cfg.Width, cfg.Height)
					}
				}
			})
		}
		// Before attachment nobody else reads an upload.
		other := s.signInResident("0912600002")
		m := s.uploadOK(t, res.AccessToken, pngBytes(t, redBlue(8, 8, 77)))
		s.request(t, "GET", "/v1/media/"+m.ID, other.AccessToken, nil).expect(t, http.StatusNotFound)
		s.request(t, "GET", "/v1/media/"+m.ID, "", nil).expect(t, http.StatusNotFound)
	})
}

// TestMediaRefused: every bad file is refused with a clear 4xx and leaves nothing stored.
func TestMediaRefused(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "MEDIA_MAX_VIDEO_BYTES=2000000")
		res := s.signInResident("0912600011")
		full := jpegBytes(t, redBlue(400, 400, 0))
		exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte("This program cannot be run in DOS mode."), 20)...)
		overImage := append(append([]byte{}, full[:20]...), make([]byte, 10<<20)...)
		heic := append(bin.BigEndian.AppendUint32(nil, 24), "ftypheic\x00\x00\x00\x00mif1heic"...)
		tests := []struct {
			name, filename string
			data           io.Reader
			status         int
			message        string
		}{
			{"renamed exe", "photo.jpg", bytes.NewReader(exe), http.StatusUnsupportedMediaType, "không phải ảnh JPEG"},
			{"truncated jpeg", "photo.jpg", bytes.NewReader(full[:len(full)/2]), http.StatusUnprocessableEntity, "đầy đủ, hợp lệ"},
			{"png bomb header", "plan.png", bytes.NewReader(bombPNG(60000, 60000)), http.StatusUnprocessableEntity, "megapixel"},
			{"image over 10 MB", "big.jpg", bytes.NewReader(overImage), http.StatusRequestEntityTooLarge, "tối đa 10 MB"},
			{"video over the configured 2 MB", "long.mp4", videoReader("isom", 2_000_001, 3), http.StatusRequestEntityTooLarge, "tối đa 2000000 byte"},
			{"heic", "IMG_0001.HEIC", bytes.NewReader(heic), http.StatusUnsupportedMediaType, "Tương thích nhất"},
			{"empty", "empty.jpg", bytes.NewReader(nil), http.StatusBadRequest, "rỗng"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := s.upload(t, res.AccessToken, tc.filename, tc.data).expect(t, tc.status)
				if e := r.apiError(t); !strings.Contains(e.Error.Message, tc.message) {
					t.Errorf("message %q, want it to mention %q", e.Error.Message, tc.message)
				}
			})
		}
		// Not multipart, no "file" field, no token.
		s.request(t, "POST", "/v1/media", res.AccessToken, full).expect(t, http.StatusUnsupportedMediaType)
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("photo", "x")
		mw.Close()
		s.request(t, "POST", "/v1/media", res.AccessToken, b.Bytes(), "Content-Type: "+mw.FormDataContentType()).expect(t, http.StatusBadRequest)
		s.request(t, "POST", "/v1/media", "", b.Bytes(), "Content-Type: "+mw.FormDataContentType()).expect(t, http.StatusUnauthorized)
		// A resumable upload of an .exe is refused at its first bytes and removed.
		var up struct{ ID string }
		s.request(t, "POST", "/v1/media/uploads", res.AccessToken, nil, "Upload-Length: "+strconv.Itoa(len(exe))).expect(t, http.StatusCreated).json(t, &up)
		s.request(t, "PATCH", "/v1/media/"+up.ID, res.AccessToken, exe, "Content-Type: application/offset+octet-stream", "Upload-Offset: 0").
			expect(t, http.StatusUnsupportedMediaType)
		s.request(t, "GET", "/v1/media/"+up.ID, res.AccessToken, nil).expect(t, http.StatusNotFound)
		s.request(t, "POST", "/v1/media/uploads", res.AccessToken, nil, "Upload-Length: 60000000").expect(t, http.StatusRequestEntityTooLarge)

		if left := storedFiles(t, s, st); len(left) > 0 {
			t.Errorf("refused uploads left %v", left)
		}
		// (BODY_LIMIT on the other routes, with bodies streamed: TestIntakeRefusesBadInput.)
	})
}

// vmHWM reads the peak resident memory of a process (Linux).
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// TestMediaParallelUploadsMemory sends 100 uploads at once (20 MB each with PHANANH_LONG_TESTS=1)
// and measures the server's peak resident memory (VmHWM, which bounds its heap from above) before
// and after: uploads are streamed to disk, so the growth stays far below what was sent.
func TestMediaParallelUploadsMemory(t *testing.T) {
	t.Parallel()
	if !longTests() {
		// Hundreds of megabytes written at once saturate the disk of a small machine, and the
		// SQLite commits of every test running beside it then miss their 10-second deadline.
		// .ci/run's long step runs it (on SQLite, at full size).
		t.Skip("set PHANANH_LONG_TESTS=1 to send hundreds of megabytes of uploads")
	}
	if raceBuild {
		// The race detector multiplies memory use (and time): the measurement would say nothing
		// about the real server. CI's -race run skips it; the plain run measures.
		t.Skip("memory is not measurable under the race detector")
	}
	const n = 100
	eachStore(t, func(t *testing.T, st storeKind) {
		// What is measured is 100 uploads of 20 MB in flight at once. FerretDB runs in this test
		// process on SQLite and stores slowly: 2 MB each there (the server's path, a 255 KiB
		// chunk per upload, is the same at any size).
		size := int64(20 << 20)
		if st.mongo != nil && mongoIsFerretDB() {
			size = 2 << 20
		}
		// The upload rate limit is off here: its counter is a store write under the 10 s request
		// deadline, and hundreds of megabytes of uploads saturating this machine's disk can delay a SQLite commit
		// (fsync) past it. This test measures the media path's memory, not the limiter.
		// The upload quotas are off too: one account sends all of it.
		s := startServer(t, st, "RATE_LIMITS=intake_user=1000000/1h,intake_ip=1000000/1h,login_ip=1000000/1h,upload_user=off,upload_ip=off",
			"MEDIA_PENDING_MAX_BYTES=0", "MEDIA_DAILY_MAX_BYTES=0")
		res := s.signInResident("0912600021")
		s.uploadOK(t, res.AccessToken, video(t, "isom", 1<<20, 250)) // warm up every code path
		before := vmHWM(t, s.cmd.Process.Pid)
		client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				c := *s
				c.client = client
				r, err := c.uploadErr(res.AccessToken, "clip.mp4", videoReader("isom", size, byte(i)))
				if err == nil && r.status != http.StatusCreated {
					err = fmt.Errorf("status %d: %s", r.status, r.body)
				}
				errs[i] = err
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				for _, l := range strings.Split(s.stderr.String(), "\n") {
					if strings.Contains(l, `"status":4`) || strings.Contains(l, `"status":5`) || strings.Contains(l, `"level":"ERROR"`) {
						t.Log(l)
					}
				}
				t.Fatalf("upload %d: %v", i, err)
			}
		}
		after := vmHWM(t, s.cmd.Process.Pid)
		growth := after - before
		t.Logf("%d parallel uploads of %d MB: peak RSS %d MB → %d MB (growth %d MB)", n, size>>20, before>>20, after>>20, growth>>20)
		if growth >= 100<<20 {
			t.Errorf("peak memory grew by %d MB, want < 100 MB", growth>>20)
		}
	})
}

func mongoIsFerretDB() bool { return os.Getenv("MONGODB_TEST_URI") == "" }

// TestMediaResumableUpload cuts the connection in the middle of a PATCH, asks the offset, and
// finishes: the stored video is byte-identical.
func TestMediaResumableUpload(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912600031")
		data := video(t, "qt  ", 3<<20, 9)
		var up struct {
			ID           string `json:"id"`
			UploadOffset int64  `json:"upload_offset"`
			UploadLength int64  `json:"upload_length"`
		}
		r := s.request(t, "POST", "/v1/media/uploads", res.AccessToken, nil, "Upload-Length: "+strconv.Itoa(len(data))).expect(t, http.StatusCreated)
		r.json(t, &up)
		if up.UploadLength != int64(len(data)) || r.header.Get("Location") != "/v1/media/"+up.ID || r.header.Get("Upload-Offset") != "0" {
			t.Fatalf("created %+v, headers %v", up, r.header)
		}
		patch := func(from, to int) response {
			return s.request(t, "PATCH", "/v1/media/"+up.ID, res.AccessToken, data[from:to],
				"Content-Type: application/offset+octet-stream", "Upload-Offset: "+strconv.Itoa(from))
		}
		if r := patch(0, 1<<20).expect(t, http.StatusNoContent); r.header.Get("Upload-Offset") != strconv.Itoa(1<<20) {
			t.Fatalf("offset after the first PATCH: %q", r.header.Get("Upload-Offset"))
		}
		patch(0, 10).expect(t, http.StatusConflict) // a stale offset

		// The second PATCH announces the rest but the connection drops after 700 kB.
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "PATCH /v1/media/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/offset+octet-stream\r\n"+
			"Upload-Offset: %d\r\nContent-Length: %d\r\n\r\n", up.ID, res.AccessToken, 1<<20, len(data)-1<<20)
		if _, err := conn.Write(data[1<<20 : 1<<20+700_000]); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		// The server keeps what arrived before the drop: the offset moves past the first PATCH
		// once it has read those bytes (how soon depends on the machine's load, so wait for it).
		waitFor(t, "the bytes sent before the drop to be kept", 30*time.Second, func() bool {
			h := s.request(t, "HEAD", "/v1/media/"+up.ID, res.AccessToken, nil).expect(t, http.StatusOK)
			n, _ := strconv.Atoi(h.header.Get("Upload-Offset"))
			return n > 1<<20
		})

		offset := resumeUpload(t, s, res.AccessToken, up.ID, data)
		if offset <= 1<<20 {
			t.Errorf("resumed at %d: the bytes that arrived before the drop were not kept", offset)
		}
		got := s.request(t, "GET", "/v1/media/"+up.ID, res.AccessToken, nil).expect(t, http.StatusOK)
		if !bytes.Equal(got.body, data) {
			t.Fatalf("resumed upload differs: %d bytes, want %d", len(got.body), len(data))
		}
		if left := storedFiles(t, s, storeKind{name: "sqlite"}); strings.Contains(strings.Join(left, " "), "uploads") {
			t.Errorf("staged upload left behind: %v", left)
		}
	})
}

// resumeUpload finishes the resumable upload id of data as a client does after a dropped
// connection — ask the offset, send the rest — and returns the offset it resumed at.
func resumeUpload(t *testing.T, s *server, token, id string, data []byte) int {
	t.Helper()
	// Like a client, ask the offset and continue; the server may still be finishing the cut
	// request. It then answers 409 and closes the connection without reading the rest of the
	// body. The close lingers (handlers.Listener), so the 409 should arrive, but a client
	// treats a failed write the same way: ask the offset again.
	var offset int
	for attempt := 0; ; attempt++ {
		h := s.request(t, "HEAD", "/v1/media/"+id, token, nil).expect(t, http.StatusOK)
		offset, _ = strconv.Atoi(h.header.Get("Upload-Offset"))
		r, err := s.do("PATCH", "/v1/media/"+id, token, data[offset:],
			"Content-Type: application/offset+octet-stream", "Upload-Offset: "+strconv.Itoa(offset))
		if err != nil && attempt < 50 {
			t.Logf("resume at %d: %v", offset, err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("resume at %d: %v", offset, err)
		}
		if r.status == http.StatusCreated {
			var m mediaResp
			r.json(t, &m)
			if m.ID != id || m.Kind != "video" || m.ContentType != "video/quicktime" {
				t.Errorf("completed upload %+v", m)
			}
			break
		}
		if r.status != http.StatusConflict || attempt > 50 {
			t.Fatalf("resume at %d: %d %s", offset, r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return offset
}

// TestMediaAccess: attaching, and who reads a ticket's media.
func TestMediaAccess(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 0), ward(set, 1)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912600041")
		other := s.signInResident("0912600042")
		officerX := s.createOfficial("officer", "media.x", unitOf(x.code, "cong_an"))
		officerY := s.createOfficial("officer", "media.y", unitOf(y.code, "cong_an"))
		ubndX := s.createOfficial("officer", "media.ubnd.x", unitOf(x.code, "ubnd"))

		photo := s.uploadOK(t, res.AccessToken, phoneJPEG(t, 40))
		clip := s.uploadOK(t, res.AccessToken, video(t, "isom", 200_000, 41))
		othersPhoto := s.uploadOK(t, other.AccessToken, phoneJPEG(t, 42))

		// Attaching: only the caller's own, unattached uploads, at most 6.
		body := wfReport("ANTT.01", x, "Đánh nhau trước quán, có ảnh.", false)
		body["media"] = []string{othersPhoto.ID}
		refused(t, s.request(t, "POST", "/v1/tickets", res.AccessToken, body), http.StatusUnprocessableEntity, "unprocessable", "media")
		body["media"] = []string{"1", "2", "3", "4", "5", "6", "7"}
		refused(t, s.request(t, "POST", "/v1/tickets", res.AccessToken, body), http.StatusBadRequest, "invalid", "media")
		body["media"] = []string{photo.ID}
		private := fileTicket(t, s, res.AccessToken, body)
		pub := wfReport("TTDT", x, "Lấn chiếm vỉa hè, có ảnh và video.", false)
		pub["media"] = []string{photo.ID}
		refused(t, s.request(t, "POST", "/v1/tickets", res.AccessToken, pub), http.StatusUnprocessableEntity, "unprocessable", "media")
		pubPhoto := s.uploadOK(t, res.AccessToken, phoneJPEG(t, 43))
		pub["media"] = []string{pubPhoto.ID, clip.ID}
		public := fileTicket(t, s, res.AccessToken, pub)

		checkMediaReaders(t, s, []mediaReader{
			{"reporter, private photo", res.AccessToken, photo.ID, 200},
			{"ward officer, private photo", officerX.AccessToken, photo.ID, 200},
			{"another ward's officer, private photo", officerY.AccessToken, photo.ID, 404},
			{"another resident, private photo", other.AccessToken, photo.ID, 404},
			{"anonymous, private photo", "", photo.ID, 404},
			{"anonymous, public photo", "", pubPhoto.ID, 200},
			{"another ward's officer, public photo", officerY.AccessToken, pubPhoto.ID, 200},
			{"anonymous, public ticket's video", "", clip.ID, 404},
			{"another resident, public ticket's video", other.AccessToken, clip.ID, 404},
			{"reporter, video", res.AccessToken, clip.ID, 200},
			{"ward unit, video", ubndX.AccessToken, clip.ID, 200},
		})
		if cc := s.request(t, "GET", "/v1/media/"+pubPhoto.ID+"?size=thumb", "", nil).header.Get("Cache-Control"); !strings.Contains(cc, "public") {
			t.Errorf("public thumbnail Cache-Control %q", cc)
		}
		s.request(t, "GET", "/v1/media/"+photo.ID, "not-a-token", nil, "Authorization: Bearer nope").expect(t, http.StatusUnauthorized)

		checkResultPhoto(t, s, officerX.AccessToken, officerY.AccessToken, res.AccessToken, private, photo.ID)

		// Open311 links the public ticket's image, never its video; the private ticket is absent.
		var reqs []struct {
			MediaURL *string `json:"media_url"`
		}
		s.request(t, "GET", "/open311/v2/requests/"+public.ID+".json", "", nil).expect(t, http.StatusOK).json(t, &reqs)
		if len(reqs) != 1 || reqs[0].MediaURL == nil || !strings.HasSuffix(*reqs[0].MediaURL, "/v1/media/"+pubPhoto.ID+"?size=large") {
			t.Errorf("Open311 media_url of the public ticket: %+v", reqs)
		} else if u, err := url.Parse(*reqs[0].MediaURL); err != nil || s.request(t, "GET", u.RequestURI(), "", nil).status != http.StatusOK {
			t.Errorf("Open311 media_url %s does not serve anonymously", *reqs[0].MediaURL)
		}
		s.request(t, "GET", "/open311/v2/requests/"+private.ID+".json", "", nil).expect(t, http.StatusNotFound)
	})
}

// mediaStatus is the status of GET /v1/media/id as the caller of token.
func mediaStatus(t *testing.T, s *server, token, id string) int {
	t.Helper()
	return s.request(t, "GET", "/v1/media/"+id, token, nil).status
}

// mediaReader is who reads a medium, and the status they must get.
type mediaReader struct {
	who, token, id string
	want           int
}

// checkMediaReaders checks the status each reader gets.
func checkMediaReaders(t *testing.T, s *server, checks []mediaReader) {
	t.Helper()
	for _, c := range checks {
		if got := mediaStatus(t, s, c.token, c.id); got != c.want {
			t.Errorf("%s: %d, want %d", c.who, got, c.want)
		}
	}
}

// checkResultPhoto has the ward officer resolve the private ticket with a photo of the result
// (not in a note, not the reporter's photo): the reporter sees it, another ward's officer and
// anonymous callers do not.
func checkResultPhoto(t *testing.T, s *server, officerX, officerY, reporter string, private wfTicket, photo string) {
	t.Helper()
	// The officer resolves with a photo of the result; the reporter sees it, another ward does not.
	after := s.uploadOK(t, officerX, pngBytes(t, redBlue(40, 30, 200)))
	tk := step(t, s, officerX, private, "accept", nil, "assigned")
	tk = step(t, s, officerX, tk, "start", nil, "in_progress")
	act(t, s, officerX, tk.ID, tk.Version, "note", fields{"note": "ảnh", "media": []string{after.ID}}).expect(t, http.StatusBadRequest)
	act(t, s, officerX, tk.ID, tk.Version, "resolve", fields{"outcome": "fixed", "note": "Đã giải tán.", "media": []string{photo}}).
		expect(t, http.StatusUnprocessableEntity)
	step(t, s, officerX, tk, "resolve", fields{"outcome": "fixed", "note": "Đã giải tán.", "media": []string{after.ID}}, "resolved")
	if mediaStatus(t, s, reporter, after.ID) != 200 || mediaStatus(t, s, officerY, after.ID) != 404 || mediaStatus(t, s, "", after.ID) != 404 {
		t.Error("result photo of a private ticket: wrong readers")
	}
	var seen struct {
		ResultMedia []string `json:"result_media"`
	}
	s.request(t, "GET", "/v1/tickets/"+tk.ID, reporter, nil).expect(t, http.StatusOK).json(t, &seen)
	if len(seen.ResultMedia) != 1 || seen.ResultMedia[0] != after.ID {
		t.Errorf("reporter sees result_media %v, want [%s]", seen.ResultMedia, after.ID)
	}
}

// TestMediaGarbageCollection: unattached uploads older than MEDIA_ORPHAN_TTL disappear with
// their blobs; attached ones stay.
func TestMediaGarbageCollection(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 0)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "MEDIA_ORPHAN_TTL=4s", "MEDIA_GC_INTERVAL=100ms")
		res := s.signInResident("0912600051")
		kept := s.uploadOK(t, res.AccessToken, phoneJPEG(t, 60))
		body := wfReport("TTDT", x, "Rác thải bừa bãi.", false)
		body["media"] = []string{kept.ID}
		fileTicket(t, s, res.AccessToken, body)
		orphan := s.uploadOK(t, res.AccessToken, video(t, "isom", 300_000, 61))
		var up struct{ ID string }
		s.request(t, "POST", "/v1/media/uploads", res.AccessToken, nil, "Upload-Length: 1000").expect(t, http.StatusCreated).json(t, &up)
		withOrphan := len(storedFiles(t, s, st))

		deadline := time.Now().Add(60 * time.Second)
		for get := 200; get != http.StatusNotFound; get = s.request(t, "GET", "/v1/media/"+orphan.ID, res.AccessToken, nil).status {
			if time.Now().After(deadline) {
				t.Fatal("the orphan was not collected within 60 s")
			}
			time.Sleep(200 * time.Millisecond)
		}
		for s.request(t, "GET", "/v1/media/"+up.ID, res.AccessToken, nil).status != http.StatusNotFound {
			if time.Now().After(deadline) {
				t.Fatal("the abandoned resumable upload was not collected")
			}
			time.Sleep(200 * time.Millisecond)
		}
		for _, size := range []string{"", "?size=thumb", "?size=large"} {
			s.request(t, "GET", "/v1/media/"+kept.ID+size, res.AccessToken, nil).expect(t, http.StatusOK)
		}
		left := storedFiles(t, s, st)
		// The orphan video was one blob (a file, or a GridFS file with 2 chunks, and its record).
		if len(left) >= withOrphan {
			t.Errorf("stored items %d before collection, %d after: %v", withOrphan, len(left), left)
		}
		if strings.Contains(strings.Join(left, " "), "uploads") {
			t.Errorf("staged upload left: %v", left)
		}
	})
}
