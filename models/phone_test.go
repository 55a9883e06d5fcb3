package models

import "testing"

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"0912345678", "+84912345678", true},
		{"0912 345 678", "+84912345678", true},
		{"+84 91-234-5678", "+84912345678", true},
		{"84912345678", "+84912345678", true},
		{"(091) 234.5678", "+84912345678", true},
		{"0387654321", "+84387654321", true},
		{"", "", false},
		{"091234567", "", false},    // too short
		{"09123456789", "", false},  // too long
		{"0212345678", "", false},   // landline prefix
		{"+14155550100", "", false}, // not Vietnamese
		{"09123x5678", "", false},
		{"09+12345678", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && ErrorField(err) != "phone" {
			t.Errorf("NormalizePhone(%q) error field = %q, want phone", tt.in, ErrorField(err))
		}
	}
}
