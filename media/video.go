package media

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"phananh/models"
)

// Video metadata. A phone's MP4 or QuickTime file says where and with what it was filmed in
// boxes beside the pictures: "udta" (©xyz with the position, ©mak/©mod/©swr with the device),
// "meta" (Apple's keys such as com.apple.quicktime.location.ISO6709 and .make/.model), XMP in a
// "uuid" box, and in timed metadata tracks (handler "meta" or "camm") whose samples in "mdat"
// carry positions over time (GoPro GPMF, Google CAMM).
//
// CleanVideo overwrites them in place instead of cutting them out: each such box becomes a
// "free" box of the same size filled with zeros, and the samples of a timed metadata track
// become zeros. Sizes and positions of everything else stay the same, so the chunk offsets in
// stco/co64, fragment offsets (tfhd, tfra, sidx) and a moov placed before or after mdat all
// remain valid, and the file plays exactly as before. Players skip "free" boxes at any level
// (ISO/IEC 14496-12 §8.1.2). Existing "free" and "skip" boxes are zeroed too: editors leave
// stale metadata in them. The cost is that the file keeps its size.

// maxBoxDepth bounds the recursion into containers; real files nest about six deep.
const maxBoxDepth = 16

// maxTableBytes bounds a sample table (stsz, stsc, stco, co64) read into memory: a 50 MB video's
// tables are a few hundred kilobytes.
const maxTableBytes = 16 << 20

// xmpUUID is the extended type of the "uuid" box holding XMP (Adobe XMP Specification part 3).
var xmpUUID = []byte{0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC}

// errBadVideo reports a box structure CleanVideo cannot walk safely.
var errBadVideo = errors.New("malformed box structure")

// box is one box of the file: type, where it starts, header length and where it ends.
type box struct {
	typ        string
	start, end int64
	hdr        int64
}

// span is a range of the file to replace: header bytes at start (may be nil), zeros up to end.
type span struct {
	start, end int64
	header     []byte
}

// videoCleaner collects the spans to overwrite while it walks a file.
type videoCleaner struct {
	r     io.ReaderAt
	size  int64
	spans []span
	mdats []box // top-level mdat boxes: where metadata samples may lie
	moov  bool
	zeros []span // samples of timed metadata tracks
}

// CleanVideo checks that r (size bytes, an MP4 or QuickTime file) is a well-formed box structure
// with a movie box, and returns a reader of the same size with every metadata box and timed
// metadata sample overwritten (see above). r is read, never written. A file whose top-level
// boxes do not exactly fill it (a truncated upload), that nests boxes inconsistently, has no
// "moov", or compresses its movie header ("cmov", which hides what it holds) is refused with
// EUnprocessable.
func CleanVideo(r io.ReaderAt, size int64) (io.Reader, error) {
	c := &videoCleaner{r: r, size: size}
	if err := c.walk(0, size, 0, ""); err != nil {
		return nil, badVideo(err)
	}
	if !c.moov {
		return nil, badVideo(errors.New("no moov box"))
	}
	for _, z := range c.zeros {
		if !slices.ContainsFunc(c.mdats, func(m box) bool { return z.start >= m.start+m.hdr && z.end <= m.end }) {
			return nil, badVideo(fmt.Errorf("metadata samples at %d–%d lie outside mdat", z.start, z.end))
		}
	}
	spans := append(c.spans, c.zeros...)
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var parts []io.Reader
	pos := int64(0)
	for _, s := range spans {
		if s.end <= pos { // a sample range inside one already zeroed
			continue
		}
		start := max(s.start, pos)
		if start > pos {
			parts = append(parts, io.NewSectionReader(r, pos, start-pos))
		}
		if s.header != nil && start == s.start {
			parts = append(parts, bytes.NewReader(s.header))
			start += int64(len(s.header))
		}
		parts = append(parts, io.LimitReader(zeroReader{}, s.end-start))
		pos = s.end
	}
	parts = append(parts, io.NewSectionReader(r, pos, size-pos))
	return io.MultiReader(parts...), nil
}

func badVideo(err error) error {
	e := models.WrapError(models.EUnprocessable, err, "the file is not a complete, valid MP4 or QuickTime video")
	e.Field = "file"
	return e
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// readBox reads the header of the box at off, which must end by limit. A size of 0 ("to the end
// of the file") is accepted at the top level only.
func (c *videoCleaner) readBox(off, limit int64, top bool) (box, error) {
	var h [16]byte
	if limit-off < 8 {
		return box{}, errBadVideo
	}
	if _, err := c.r.ReadAt(h[:8], off); err != nil {
		return box{}, err
	}
	b := box{typ: string(h[4:8]), start: off, hdr: 8}
	switch n := int64(binary.BigEndian.Uint32(h[0:4])); n {
	case 0:
		if !top {
			return box{}, errBadVideo
		}
		b.end = limit
	case 1:
		if limit-off < 16 {
			return box{}, errBadVideo
		}
		if _, err := c.r.ReadAt(h[8:16], off+8); err != nil {
			return box{}, err
		}
		large := binary.BigEndian.Uint64(h[8:16])
		if large < 16 || large > uint64(limit-off) {
			return box{}, errBadVideo
		}
		b.hdr, b.end = 16, off+int64(large)
	default:
		if n < 8 || n > limit-off {
			return box{}, errBadVideo
		}
		b.end = off + n
	}
	return b, nil
}

// containers are the boxes walked into: the movie and its tracks down to the sample table, and
// movie fragments. Sample descriptions (stsd) are not plain containers and hold no metadata.
var containers = map[string]bool{"moov": true, "trak": true, "mdia": true, "minf": true, "stbl": true, "edts": true,
	"dinf": true, "mvex": true, "moof": true, "traf": true}

// walk visits the boxes filling [off, end), the body of a box of type parent ("" for the file)
// at depth.
func (c *videoCleaner) walk(off, end int64, depth int, parent string) error {
	if depth > maxBoxDepth {
		return errBadVideo
	}
	top := parent == ""
	for off < end {
		if !top && end-off == 4 && c.zeroTerminator(off) {
			return nil // QuickTime may end an atom list with a 32-bit zero
		}
		b, err := c.readBox(off, end, top)
		if err != nil {
			return err
		}
		if err := c.visit(b, depth, parent); err != nil {
			return err
		}
		off = b.end
	}
	return nil
}

func (c *videoCleaner) zeroTerminator(off int64) bool {
	var z [4]byte
	_, err := c.r.ReadAt(z[:], off)
	return err == nil && z == [4]byte{}
}

// visit handles box b found in a box of type parent: metadata boxes are blanked, timed metadata
// tracks blanked with their samples, containers walked. Any "uuid" box of the file, the movie or
// a track is blanked (vendors keep XMP and their own metadata there, such as Canon's EXIF with
// GPS); inside movie fragments only XMP is, since streaming formats keep sample data there.
func (c *videoCleaner) visit(b box, depth int, parent string) error {
	top := parent == ""
	switch {
	case b.typ == "cmov":
		return errors.New("compressed movie header (cmov)")
	case b.typ == "udta", b.typ == "meta", b.typ == "free", b.typ == "skip":
		c.blank(b)
	case b.typ == "uuid":
		if top || parent == "moov" || parent == "trak" || c.isXMP(b) {
			c.blank(b)
		}
	case b.typ == "mdat" && top:
		c.mdats = append(c.mdats, b)
	case b.typ == "trak":
		meta, err := c.isMetadataTrack(b)
		if err != nil {
			return err
		}
		if meta {
			c.blank(b)
			return nil
		}
		return c.walk(b.start+b.hdr, b.end, depth+1, b.typ)
	case containers[b.typ]:
		if b.typ == "moov" {
			c.moov = true
		}
		return c.walk(b.start+b.hdr, b.end, depth+1, b.typ)
	}
	return nil
}

func (c *videoCleaner) isXMP(b box) bool {
	var u [16]byte
	if b.end-b.start-b.hdr < 16 {
		return false
	}
	_, err := c.r.ReadAt(u[:], b.start+b.hdr)
	return err == nil && bytes.Equal(u[:], xmpUUID)
}

// blank records that box b becomes a "free" box of the same size full of zeros.
func (c *videoCleaner) blank(b box) {
	h := binary.BigEndian.AppendUint32(nil, uint32(b.end-b.start))
	if b.hdr == 16 {
		h = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(nil, 1), uint64(b.end-b.start))
		h = append(h[:4], append([]byte("free"), h[4:]...)...)
	} else {
		h = append(h, "free"...)
	}
	c.spans = append(c.spans, span{start: b.start, end: b.end, header: h})
}

// child finds the first box of type typ directly inside [off, end); ok is false when absent.
func (c *videoCleaner) child(off, end int64, typ string) (box, bool, error) {
	for off < end {
		if end-off == 4 && c.zeroTerminator(off) {
			break
		}
		b, err := c.readBox(off, end, false)
		if err != nil {
			return box{}, false, err
		}
		if b.typ == typ {
			return b, true, nil
		}
		off = b.end
	}
	return box{}, false, nil
}

// path follows a chain of box types down from the body of b.
func (c *videoCleaner) path(b box, types ...string) (box, bool, error) {
	for _, typ := range types {
		next, ok, err := c.child(b.start+b.hdr, b.end, typ)
		if err != nil || !ok {
			return box{}, ok, err
		}
		b = next
	}
	return b, true, nil
}

// body reads the payload of b (at most maxTableBytes).
func (c *videoCleaner) body(b box) ([]byte, error) {
	n := b.end - b.start - b.hdr
	if n > maxTableBytes {
		return nil, fmt.Errorf("%s box of %d bytes", b.typ, n)
	}
	p := make([]byte, n)
	_, err := c.r.ReadAt(p, b.start+b.hdr)
	return p, err
}

// isMetadataTrack reports whether trak is a timed metadata track (handler "meta", or "camm" for
// camera motion) and, if so, records the byte ranges of its samples to be zeroed.
func (c *videoCleaner) isMetadataTrack(trak box) (bool, error) {
	hdlr, ok, err := c.path(trak, "mdia", "hdlr")
	if err != nil || !ok {
		return false, err
	}
	h, err := c.body(hdlr)
	if err != nil || len(h) < 12 {
		return false, errBadVideo
	}
	if handler := string(h[8:12]); handler != "meta" && handler != "camm" {
		return false, nil
	}
	stbl, ok, err := c.path(trak, "mdia", "minf", "stbl")
	if err != nil || !ok {
		return true, err // no sample table: no samples to zero
	}
	ranges, err := c.sampleRanges(stbl)
	if err != nil {
		return false, err
	}
	for _, r := range ranges {
		c.zeros = append(c.zeros, span{start: r[0], end: r[1]})
	}
	return true, nil
}

// sampleRanges returns the byte range of every chunk of a sample table: its offset (stco or
// co64) and the sizes (stsz) of the samples stsc puts in it.
func (c *videoCleaner) sampleRanges(stbl box) ([][2]int64, error) {
	stsz, stsc, offsets, wide, err := c.sampleTables(stbl)
	if err != nil {
		return nil, err
	}
	sizes, err := parseSampleSizes(stsz)
	if err != nil {
		return nil, err
	}
	chunks, err := parseChunkOffsets(offsets, wide)
	if err != nil {
		return nil, err
	}
	be := binary.BigEndian
	// stsc: version/flags, entry_count, (first_chunk, samples_per_chunk, description)
	if len(stsc) < 8 {
		return nil, errBadVideo
	}
	runs := int64(be.Uint32(stsc[4:8]))
	if int64(len(stsc)) < 8+12*runs {
		return nil, errBadVideo
	}
	var out [][2]int64
	sample := int64(0)
	for k := int64(0); k < runs; k++ {
		first, perChunk := int64(be.Uint32(stsc[8+12*k:]))-1, int64(be.Uint32(stsc[12+12*k:]))
		last := chunks.count
		if k+1 < runs {
			last = int64(be.Uint32(stsc[8+12*(k+1):])) - 1
		}
		if first < 0 || last > chunks.count || first > last {
			return nil, errBadVideo
		}
		for chunk := first; chunk < last; chunk++ {
			start, n := chunks.offset(chunk), int64(0)
			for j := int64(0); j < perChunk; j++ {
				if sample >= sizes.count {
					return nil, errBadVideo
				}
				n += sizes.size(sample)
				sample++
			}
			if start < 0 || n < 0 || start+n > c.size {
				return nil, errBadVideo
			}
			if n > 0 {
				out = append(out, [2]int64{start, start + n})
			}
		}
	}
	return out, nil
}

// sampleTables reads the stsz, stsc and chunk offset tables of a sample table: stco, or co64
// (wide) when there is no stco.
func (c *videoCleaner) sampleTables(stbl box) (stsz, stsc, offsets []byte, wide bool, err error) {
	table := func(typ string) ([]byte, bool, error) {
		b, ok, err := c.child(stbl.start+stbl.hdr, stbl.end, typ)
		if err != nil || !ok {
			return nil, ok, err
		}
		p, err := c.body(b)
		return p, true, err
	}
	stsz, okSz, err := table("stsz")
	if err != nil {
		return nil, nil, nil, false, err
	}
	stsc, okSc, err := table("stsc")
	if err != nil {
		return nil, nil, nil, false, err
	}
	ok := false
	if offsets, ok, err = table("stco"); err == nil && !ok {
		offsets, ok, err = table("co64")
		wide = true
	}
	if err != nil {
		return nil, nil, nil, false, err
	}
	if !okSz || !okSc || !ok {
		return nil, nil, nil, false, errors.New("metadata track without stsz, stsc and stco/co64")
	}
	return stsz, stsc, offsets, wide, nil
}

// sampleSizes is a parsed stsz table: version/flags, sample_size, sample_count, [entry_size].
type sampleSizes struct {
	table        []byte
	fixed, count int64
}

func parseSampleSizes(stsz []byte) (sampleSizes, error) {
	be := binary.BigEndian
	if len(stsz) < 12 {
		return sampleSizes{}, errBadVideo
	}
	s := sampleSizes{table: stsz, fixed: int64(be.Uint32(stsz[4:8])), count: int64(be.Uint32(stsz[8:12]))}
	if s.fixed == 0 && int64(len(stsz)) < 12+4*s.count {
		return sampleSizes{}, errBadVideo
	}
	return s, nil
}

// size is the size of sample i.
func (s sampleSizes) size(i int64) int64 {
	if s.fixed != 0 {
		return s.fixed
	}
	return int64(binary.BigEndian.Uint32(s.table[12+4*i:]))
}

// chunkOffsets is a parsed stco (or, wide, co64) table: version/flags, entry_count, offsets.
type chunkOffsets struct {
	table []byte
	wide  bool
	count int64
}

func parseChunkOffsets(offsets []byte, wide bool) (chunkOffsets, error) {
	if len(offsets) < 8 {
		return chunkOffsets{}, errBadVideo
	}
	o := chunkOffsets{table: offsets, wide: wide, count: int64(binary.BigEndian.Uint32(offsets[4:8]))}
	width := int64(4)
	if wide {
		width = 8
	}
	if int64(len(offsets)) < 8+width*o.count {
		return chunkOffsets{}, errBadVideo
	}
	return o, nil
}

// offset is the file offset of chunk i.
func (o chunkOffsets) offset(i int64) int64 {
	if o.wide {
		return int64(binary.BigEndian.Uint64(o.table[8+8*i:]))
	}
	return int64(binary.BigEndian.Uint32(o.table[8+4*i:]))
}
