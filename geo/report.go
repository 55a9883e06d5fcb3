package geo

import (
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Parse already refuses what cannot be routed at all (missing or duplicate codes, rings of fewer
// than four positions, coordinates out of range). Check and Compare are what an administrator
// reads before a set goes live: where the data is doubtful, and what changes against the set
// serving now.

// Report is the quality of a boundary set, measured on a grid of sample points over its bound.
type Report struct {
	Areas   int
	Sampled int // grid points inside the set's bound
	// Overlaps are the pairs of areas some sample point lies in both of, with how many points;
	// the lower code wins such points, so a report filed there may go to the wrong ward.
	Overlaps []Overlap
	// NearMisses counts points in no area but within nearMissM of one: gaps between areas, or
	// just outside the outline, where reports are routed to the nearest area and flagged.
	NearMisses int
}

// Overlap is a pair of area codes that overlap, and how many sample points lie in both.
type Overlap struct {
	A, B   string
	Points int
}

// nearMissM is the tolerance the app routes by proximity within.
const nearMissM = 200

// Check samples the set on a grid of about n points over its bound.
func (s *BoundarySet) Check(n int) Report {
	r := Report{Areas: len(s.areas)}
	b := s.bound
	if n <= 0 || b.Max[0] <= b.Min[0] || b.Max[1] <= b.Min[1] {
		return r
	}
	step := math.Sqrt((b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]) / float64(n))
	pairs := map[[2]string]int{}
	for y := b.Min[1] + step/2; y < b.Max[1]; y += step {
		for x := b.Min[0] + step/2; x < b.Max[0]; x += step {
			r.Sampled++
			m := s.Locate(y, x, nearMissM)
			switch {
			case m.Area == nil:
			case m.Nearest:
				r.NearMisses++
			case m.Ambiguous:
				codes := s.containing(orb.Point{x, y})
				for i := 0; i+1 < len(codes); i++ {
					pairs[[2]string{codes[i], codes[i+1]}]++
				}
			}
		}
	}
	for p, k := range pairs {
		r.Overlaps = append(r.Overlaps, Overlap{A: p[0], B: p[1], Points: k})
	}
	slices.SortFunc(r.Overlaps, func(a, b Overlap) int { return strings.Compare(a.A+"/"+a.B, b.A+"/"+b.B) })
	return r
}

// containing lists the codes of every area p lies in, in code order.
func (s *BoundarySet) containing(p orb.Point) []string {
	var out []string
	for i := range s.areas {
		if a := &s.areas[i]; a.Bound.Contains(p) && planar.MultiPolygonContains(a.Geometry, p) {
			out = append(out, a.Code)
		}
	}
	return out
}

// Diff is what replacing one boundary set by another changes, by area code.
type Diff struct {
	Added   []string // codes only in the new set
	Removed []string // codes only in the old set
	// Reshaped are codes of the same unit (same name) whose boundary moved.
	Reshaped []string
	// Reused are codes the new set gives to another unit (another name): the same code means a
	// different place before and after, so statistics must never merge the two.
	Reused    []ReusedCode
	Unchanged int
}

// ReusedCode is a code that names different units in two sets.
type ReusedCode struct {
	Code, OldName, NewName string
}

// Compare lists what changes from old to new.
func Compare(old, new *BoundarySet) Diff {
	var d Diff
	for _, a := range new.areas {
		o, ok := old.Area(a.Code)
		switch {
		case !ok:
			d.Added = append(d.Added, a.Code)
		case !sameName(o.Name, a.Name):
			d.Reused = append(d.Reused, ReusedCode{Code: a.Code, OldName: o.Name, NewName: a.Name})
		case !orb.Equal(o.Geometry, a.Geometry):
			d.Reshaped = append(d.Reshaped, a.Code)
		default:
			d.Unchanged++
		}
	}
	for _, o := range old.areas {
		if _, ok := new.Area(o.Code); !ok {
			d.Removed = append(d.Removed, o.Code)
		}
	}
	return d
}

// sameName compares unit names ignoring case, spacing and the two conventions of placing the
// tone mark in "oa", "oe" and "uy" (Hòa and Hoà are one name, as in Mỹ Hòa Hưng).
func sameName(a, b string) bool {
	norm := func(s string) string { return toneMarks.Replace(strings.Join(strings.Fields(strings.ToLower(s)), " ")) }
	return norm(a) == norm(b)
}

// toneMarks rewrites the new-style placement (on the second vowel) to the old style.
var toneMarks = strings.NewReplacer(
	"oà", "òa", "oá", "óa", "oả", "ỏa", "oã", "õa", "oạ", "ọa",
	"oè", "òe", "oé", "óe", "oẻ", "ỏe", "oẽ", "õe", "oẹ", "ọe",
	"uỳ", "ùy", "uý", "úy", "uỷ", "ủy", "uỹ", "ũy", "uỵ", "ụy")
