package media_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"phananh/media"
	"phananh/models"
)

// --- an independent reader of the box tree, for checking what CleanVideo wrote ---

type mp4Box struct {
	typ        string
	start, end int
	body       []byte
	children   []*mp4Box
}

// parseBoxes parses b[off:end] into boxes, descending into the containers named; it fails the
// test when the boxes do not fill the range exactly.
func parseBoxes(t *testing.T, b []byte, off, end int) []*mp4Box {
	t.Helper()
	var out []*mp4Box
	for off < end {
		if end-off == 4 && binary.BigEndian.Uint32(b[off:]) == 0 {
			break
		}
		if end-off < 8 {
			t.Fatalf("%d stray bytes at %d", end-off, off)
		}
		n, hdr := int(binary.BigEndian.Uint32(b[off:])), 8
		switch n {
		case 0:
			n = end - off
		case 1:
			n, hdr = int(binary.BigEndian.Uint64(b[off+8:])), 16
		}
		if n < hdr || off+n > end {
			t.Fatalf("box %q at %d has size %d past %d", b[off+4:off+8], off, n, end)
		}
		x := &mp4Box{typ: string(b[off+4 : off+8]), start: off, end: off + n, body: b[off+hdr : off+n]}
		switch x.typ {
		case "moov", "trak", "mdia", "minf", "stbl", "udta", "dinf", "edts":
			x.children = parseBoxes(t, b, off+hdr, off+n)
		case "meta": // a FullBox in MP4, a plain box in QuickTime
			skip := 0
			if binary.BigEndian.Uint32(x.body) == 0 {
				skip = 4
			}
			x.children = parseBoxes(t, b, off+hdr+skip, off+n)
		}
		out = append(out, x)
		off += n
	}
	return out
}

func find(boxes []*mp4Box, path ...string) *mp4Box {
	for _, b := range boxes {
		if b.typ == path[0] {
			if len(path) == 1 {
				return b
			}
			if f := find(b.children, path[1:]...); f != nil {
				return f
			}
		}
	}
	return nil
}

func types(boxes []*mp4Box) []string {
	var out []string
	for _, b := range boxes {
		out = append(out, b.typ)
		for _, c := range types(b.children) {
			out = append(out, b.typ+"/"+c)
		}
	}
	return out
}

// firstSample returns the offset and size of the first sample of the first track.
func firstSample(t *testing.T, tree []*mp4Box) (int, int) {
	t.Helper()
	stco := find(tree, "moov", "trak", "mdia", "minf", "stbl", "stco")
	stsz := find(tree, "moov", "trak", "mdia", "minf", "stbl", "stsz")
	if stco == nil || stsz == nil {
		t.Fatalf("no stco/stsz in %v", types(tree))
	}
	size := binary.BigEndian.Uint32(stsz.body[4:])
	if size == 0 {
		size = binary.BigEndian.Uint32(stsz.body[12:])
	}
	return int(binary.BigEndian.Uint32(stco.body[8:])), int(size)
}

func clean(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := media.CleanVideo(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("CleanVideo: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// leaks are byte strings of the fixtures' location and device metadata.
var leaks = []string{"\xa9xyz", "\xa9mak", "\xa9mod", "\xa9too", "loci", "location", "ISO6709", "+10.3860", "105.4350",
	"com.apple.quicktime", "iPhone 15 Pro", "Apple", "mdta", "Lavf"}

// TestCleanVideoFixtures cleans real files written by ffmpeg with a position and a device
// (testdata/README.md), with the movie box before and after the media data: the metadata is
// gone, the tree still parses with every other box where it was, and the first sample's offset
// still points at the same bytes.
func TestCleanVideoFixtures(t *testing.T) {
	for _, name := range []string{"gps-moov-first.mp4", "gps-mdat-first.mov"} {
		t.Run(name, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(orig, []byte("+10.3860+105.4350")) {
				t.Fatal("fixture carries no position")
			}
			out := clean(t, orig)
			if len(out) != len(orig) {
				t.Fatalf("%d bytes became %d", len(orig), len(out))
			}
			for _, leak := range leaks {
				if bytes.Contains(out, []byte(leak)) {
					t.Errorf("%q is still in the cleaned file", leak)
				}
			}
			before, after := parseBoxes(t, orig, 0, len(orig)), parseBoxes(t, out, 0, len(out))
			if find(after, "moov", "udta") != nil || find(after, "moov", "meta") != nil {
				t.Errorf("metadata boxes left: %v", types(after))
			}
			// Every box but the metadata ones is where it was.
			keep := func(tree []*mp4Box) []string {
				return slices.DeleteFunc(types(tree), func(s string) bool {
					return s == "moov/udta" || s == "moov/free" || len(s) > 10 && s[:10] == "moov/udta/"
				})
			}
			if !slices.Equal(keep(before), keep(after)) {
				t.Errorf("box tree changed:\n%v\n%v", keep(before), keep(after))
			}
			off, size := firstSample(t, before)
			off2, size2 := firstSample(t, after)
			if off != off2 || size != size2 || size == 0 || !bytes.Equal(orig[off:off+size], out[off2:off2+size2]) {
				t.Errorf("first sample %d+%d became %d+%d or its bytes changed", off, size, off2, size2)
			}
			if !bytes.Equal(clean(t, out), out) {
				t.Error("cleaning is not idempotent")
			}
		})
	}
}

// --- synthetic files ---

func mkBox(typ string, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	return append(binary.BigEndian.AppendUint32([]byte{}, uint32(8+len(body))), append([]byte(typ), body...)...)
}

func u32s(v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.BigEndian.AppendUint32(b, x)
	}
	return b
}

// timedMetaFile is ftyp, moov (a video track and a timed metadata track of handler meta), then
// mdat: 100 bytes of video at 40 and two GPS samples in one chunk at 200 (a GoPro-like file).
func timedMetaFile() (file []byte, mdatAt int) {
	ftyp := mkBox("ftyp", []byte("isom"), u32s(0x200), []byte("isommp41"))
	track := func(handler string, chunkOffset uint32, sizes ...uint32) []byte {
		hdlr := mkBox("hdlr", u32s(0, 0), []byte(handler), u32s(0, 0, 0), []byte("H\x00"))
		stsz := mkBox("stsz", u32s(0, 0, uint32(len(sizes))), u32s(sizes...))
		stsc := mkBox("stsc", u32s(0, 1, 1, uint32(len(sizes)), 1))
		stco := mkBox("stco", u32s(0, 1, chunkOffset))
		return mkBox("trak", mkBox("tkhd", make([]byte, 84)), mkBox("mdia", hdlr, mkBox("minf", mkBox("stbl", stsz, stsc, stco))))
	}
	// Offsets are relative to the mdat body; fixed up once the moov size is known.
	build := func(base uint32) []byte {
		moov := mkBox("moov", mkBox("mvhd", make([]byte, 100)), track("vide", base+40, 60, 40), track("meta", base+200, 30, 20))
		return append(ftyp, moov...)
	}
	head := build(0)
	base := len(head) + 8
	head = build(uint32(base))
	body := bytes.Repeat([]byte{0xAB}, 300)
	copy(body[200:], "GPS5+10.3860+105.4350 camera")
	copy(body[230:], "GPS5+10.3861+105.4351 move")
	return append(head, mkBox("mdat", body)...), base
}

// TestCleanVideoTimedMetadata: a timed metadata track disappears with its samples, and the
// video's samples are untouched.
func TestCleanVideoTimedMetadata(t *testing.T) {
	orig, base := timedMetaFile()
	out := clean(t, orig)
	if bytes.Contains(out, []byte("GPS5")) || bytes.Contains(out, []byte("+10.386")) {
		t.Error("GPS samples are still in the file")
	}
	if !bytes.Equal(out[base+200:base+250], make([]byte, 50)) {
		t.Error("the metadata samples were not zeroed")
	}
	if !bytes.Equal(out[base:base+200], orig[base:base+200]) || !bytes.Equal(out[base+250:], orig[base+250:]) {
		t.Error("bytes outside the metadata samples changed")
	}
	tree := parseBoxes(t, out, 0, len(out))
	if got := types(tree); !slices.Contains(got, "moov/trak/mdia/minf/stbl/stco") || !slices.Contains(got, "moov/free") {
		t.Errorf("tree after cleaning: %v, want the video track kept and the metadata track freed", got)
	}
}

// TestCleanVideoRefuses: what cannot be walked safely is refused, never stored as it came.
func TestCleanVideoRefuses(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "gps-moov-first.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	ftyp := mkBox("ftyp", []byte("isom"), u32s(0x200), []byte("isom"))
	meta, _ := timedMetaFile()
	outside := bytes.Clone(meta)
	i := bytes.LastIndex(outside, []byte("stco"))
	binary.BigEndian.PutUint32(outside[i+12:], 30) // the GPS chunk now points into moov
	tests := []struct {
		name string
		file []byte
	}{
		{"truncated", good[:len(good)-100]},
		{"garbage after ftyp", append(bytes.Clone(ftyp), "not a box at all, just text"...)},
		{"no moov", append(bytes.Clone(ftyp), mkBox("mdat", []byte("frames"))...)},
		{"compressed moov", append(bytes.Clone(ftyp), mkBox("moov", mkBox("cmov", []byte("zlib")))...)},
		{"child past its parent", append(bytes.Clone(ftyp), mkBox("moov", u32s(64), []byte("trak"))...)},
		{"size below the header", append(bytes.Clone(ftyp), u32s(4)...)},
		{"64-bit size past the end", append(bytes.Clone(ftyp), append(u32s(1), append([]byte("mdat"), 0, 0, 0, 1, 0, 0, 0, 0)...)...)},
		{"metadata samples outside mdat", outside},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := media.CleanVideo(bytes.NewReader(tc.file), int64(len(tc.file)))
			if !models.IsCode(err, models.EUnprocessable) {
				t.Fatalf("err = %v, want EUnprocessable", err)
			}
		})
	}
}

func FuzzCleanVideo(f *testing.F) {
	for _, name := range []string{"gps-moov-first.mp4", "gps-mdat-first.mov"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	meta, _ := timedMetaFile()
	f.Add(meta)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := media.CleanVideo(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		out, err := io.ReadAll(r)
		if err != nil || len(out) != len(b) {
			t.Fatalf("%d bytes became %d (%v)", len(b), len(out), err)
		}
		again, err := media.CleanVideo(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatalf("the cleaned file is refused: %v", err)
		}
		if twice, _ := io.ReadAll(again); !bytes.Equal(twice, out) {
			t.Fatal("cleaning is not idempotent")
		}
	})
}
