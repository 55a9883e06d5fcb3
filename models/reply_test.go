package models

import (
	"strings"
	"testing"
	"time"
)

func TestReplyFill(t *testing.T) {
	r := CannedReply{Text: "Phản ánh {code} ({category}, {area}) do {unit} xử lý trước {due}. {code}!"}
	v := ReplyValues{Code: "LX-2026-000007", Unit: "UBND phường Mỹ Bình", Category: "Trật tự đô thị", Area: "Mỹ Bình",
		Due: time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)}
	want := "Phản ánh LX-2026-000007 (Trật tự đô thị, Mỹ Bình) do UBND phường Mỹ Bình xử lý trước 16:30 07/12/2026. LX-2026-000007!"
	if got := r.Fill(v); got != want {
		t.Errorf("Fill = %q, want %q", got, want)
	}
	if got := (CannedReply{Text: "hạn {due}"}).Fill(ReplyValues{}); got != "hạn " {
		t.Errorf("no deadline: %q", got)
	}
}

func TestValidateReply(t *testing.T) {
	for _, tc := range []struct {
		title, text string
		want        []string // field:problem
	}{
		{"Đã tiếp nhận", "Phản ánh {code} trước {due}.", nil},
		{"", "", []string{"title:required", "text:required"}},
		{strings.Repeat("a", MaxReplyTitle+1), strings.Repeat("b", MaxReplyText+1), []string{"title:too_long", "text:too_long"}},
		{"Mẫu", "Chào {ten}, {code}", []string{"text:bad_enum"}},
		{"Mẫu", "dấu ngoặc {} và { code } không phải chỗ điền", []string{"text:bad_enum"}},
	} {
		var got []string
		for _, p := range FieldProblems(ValidateReply(tc.title, tc.text)) {
			got = append(got, p.Field+":"+p.Problem)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("ValidateReply(%.20q, %.20q) = %q, want %q", tc.title, tc.text, got, tc.want)
		}
	}
}
