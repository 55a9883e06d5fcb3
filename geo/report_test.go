package geo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestCompareLongXuyen2023To2025 is the 2025 reform of Long Xuyên: nine codes disappear, two are
// reused for other wards (30292 was Bình Khánh and is Bình Đức; 30307 was Mỹ Hòa and is Long
// Xuyên), and the two that keep their unit are reshaped (the merged wards grew).
func TestCompareLongXuyen2023To2025(t *testing.T) {
	d := Compare(loadSet(t, "longxuyen-2023"), loadSet(t, "longxuyen-2025"))
	want := Diff{
		Removed:  []string{"30280", "30283", "30285", "30286", "30289", "30295", "30298", "30304", "30310"},
		Reshaped: []string{"30301", "30313"},
		Reused:   []ReusedCode{{"30292", "Bình Khánh", "Bình Đức"}, {"30307", "Mỹ Hòa", "Long Xuyên"}},
	}
	if diff := cmp.Diff(want, d, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Compare (-want +got):\n%s", diff)
	}
	same := Compare(loadSet(t, "longxuyen-2023"), loadSet(t, "longxuyen-2023"))
	if same.Unchanged != 13 || len(same.Added)+len(same.Removed)+len(same.Reshaped)+len(same.Reused) != 0 {
		t.Errorf("a set against itself: %+v", same)
	}
}

func TestSameName(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"Mỹ Hòa Hưng", "Mỹ Hoà Hưng", true},
		{"Mỹ  Hòa", "mỹ hòa", true},
		{"Thủy", "Thuỷ", true},
		{"Mỹ Hòa", "Mỹ Hóa", false},
		{"Bình Khánh", "Bình Đức", false},
	} {
		if got := sameName(tt.a, tt.b); got != tt.want {
			t.Errorf("sameName(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

// TestCheckFindsOverlapsAndGaps: the coarse 2023 data as published overlaps and leaves gaps; the
// cleaned tiling does neither (no pair of wards shares a sample point).
func TestCheckFindsOverlapsAndGaps(t *testing.T) {
	raw := loadSet(t, "longxuyen-2023-coarse-raw").Check(20_000)
	if raw.Areas != 13 || raw.Sampled < 15_000 || len(raw.Overlaps) == 0 || raw.NearMisses == 0 {
		t.Errorf("coarse raw data: %+v, want overlaps and near misses", raw)
	}
	for _, o := range raw.Overlaps {
		if o.A >= o.B || o.Points <= 0 {
			t.Errorf("overlap %+v: want codes in order and a positive count", o)
		}
	}
	clean := loadSet(t, "longxuyen-2023").Check(20_000)
	if len(clean.Overlaps) != 0 {
		t.Errorf("the gap-free tiling overlaps: %+v", clean.Overlaps)
	}
}
