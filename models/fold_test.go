package models

import "testing"

func TestFoldText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Đường Lê Lợi", "duong le loi"},
		{"NGUYỄN THỊ MINH KHAI", "nguyen thi minh khai"},
		{"Mỹ Bình, Long Xuyên", "my binh, long xuyen"},
		{"Ấp Hòa Thạnh — số 12/3", "ap hoa thanh — so 12/3"},
		{"LX-2026-000001", "lx-2026-000001"},
		{"ưu tiên ỷ lại", "uu tien y lai"},
		{"", ""},
	} {
		if got := FoldText(c.in); got != c.want {
			t.Errorf("FoldText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFoldVariantsFoldBack(t *testing.T) {
	for _, base := range "aeiouyd" {
		vs := FoldVariants(base)
		if []rune(vs)[0] != base {
			t.Errorf("FoldVariants(%q) = %q does not start with %q", base, vs, base)
		}
		for _, v := range vs {
			if got := FoldText(string(v)); got != string(base) {
				t.Errorf("FoldText(%q) = %q, want %q", v, got, string(base))
			}
		}
	}
	if got := FoldVariants('x'); got != "x" {
		t.Errorf("FoldVariants('x') = %q, want x", got)
	}
}
