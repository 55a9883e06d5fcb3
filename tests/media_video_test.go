package tests

import (
	"bytes"
	"crypto/sha256"
	bin "encoding/binary"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// topBoxes maps the type of each top-level box of an MP4/QuickTime file to its bytes.
func topBoxes(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for off := 0; off < len(b); {
		n := int(bin.BigEndian.Uint32(b[off:]))
		if n < 8 || off+n > len(b) {
			t.Fatalf("box at %d of size %d does not fit the %d-byte file", off, n, len(b))
		}
		out[string(b[off+4:off+8])] = b[off : off+n]
		off += n
	}
	return out
}

// TestMediaVideoMetadataStripped uploads real phone-like videos carrying a position and a device
// (media/testdata, made by ffmpeg), one in one piece and one resumably: what is served back has
// neither, keeps its size, and its media data is byte for byte what was sent.
func TestMediaVideoMetadataStripped(t *testing.T) {
	t.Parallel()
	leaks := []string{"+10.3860", "105.4350", "ISO6709", "iPhone", "com.apple.quicktime", "\xa9xyz", "\xa9mak", "\xa9mod"}
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		tok := s.signInResident("0912600081").AccessToken
		for _, f := range []struct{ name, ct string }{{"gps-moov-first.mp4", "video/mp4"}, {"gps-mdat-first.mov", "video/quicktime"}} {
			t.Run(f.name, func(t *testing.T) {
				orig, err := os.ReadFile(filepath.Join("..", "media", "testdata", f.name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(orig, []byte("+10.3860+105.4350")) {
					t.Fatal("the fixture carries no position")
				}
				var m mediaResp
				if f.ct == "video/mp4" {
					m = s.uploadOK(t, tok, orig)
				} else {
					var up struct{ ID string }
					s.createUpload(t, tok, len(orig)).expect(t, http.StatusCreated).json(t, &up)
					half := len(orig) / 2
					s.patchUpload(t, tok, up.ID, 0, orig[:half]).expect(t, http.StatusNoContent)
					s.patchUpload(t, tok, up.ID, half, orig[half:]).expect(t, http.StatusCreated).json(t, &m)
				}
				sum := sha256.Sum256(orig)
				if m.Kind != "video" || m.ContentType != f.ct || m.Bytes != int64(len(orig)) || m.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("upload answer %+v", m)
				}
				got := s.request(t, "GET", "/v1/media/"+m.ID, tok, nil).expect(t, http.StatusOK)
				for _, leak := range leaks {
					if bytes.Contains(got.body, []byte(leak)) {
						t.Errorf("%q is served back", leak)
					}
				}
				if len(got.body) != len(orig) || got.header.Get("Content-Length") != strconv.Itoa(len(orig)) {
					t.Errorf("served %d bytes, want %d", len(got.body), len(orig))
				}
				before, after := topBoxes(t, orig), topBoxes(t, got.body)
				if !bytes.Equal(before["mdat"], after["mdat"]) || !bytes.Equal(before["ftyp"], after["ftyp"]) || len(after["moov"]) != len(before["moov"]) {
					t.Error("the media data or the layout changed")
				}
			})
		}
	})
}
