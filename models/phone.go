package models

import "strings"

// NormalizePhone turns a Vietnamese mobile number as people type it ("0912 345 678",
// "84912345678", "+84 91-234-5678") into E.164 ("+84912345678"). Only Vietnamese mobile numbers
// are accepted: sign-in codes go out by SMS to residents of the city.
func NormalizePhone(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", Problem("phone", ProblemRequired, "", "phone is required")
	}
	var b strings.Builder
	for i, r := range strings.TrimSpace(raw) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", Problem("phone", ProblemMalformed, "", "phone must contain only digits, spaces, dots, dashes and a leading +")
		}
	}
	s := b.String()
	var national string
	switch {
	case strings.HasPrefix(s, "+84"):
		national = s[3:]
	case strings.HasPrefix(s, "84") && len(s) == 11:
		national = s[2:]
	case strings.HasPrefix(s, "0"):
		national = s[1:]
	default:
		return "", Problem("phone", ProblemMalformed, "", "phone must be a Vietnamese mobile number (0xxxxxxxxx or +84xxxxxxxxx)")
	}
	// Vietnamese mobile numbers have 9 digits after the country code, starting with 3, 5, 7, 8 or 9.
	if len(national) != 9 || !strings.ContainsRune("35789", rune(national[0])) {
		return "", Problem("phone", ProblemMalformed, "", "phone must be a Vietnamese mobile number (0xxxxxxxxx or +84xxxxxxxxx)")
	}
	return "+84" + national, nil
}

// CheckOTPCode refuses what cannot be a sign-in code (six digits) before any attempt is counted.
func CheckOTPCode(code string) error {
	switch code = strings.TrimSpace(code); {
	case code == "":
		return Problem("code", ProblemRequired, "", "code is required")
	case len(code) != 6 || strings.Trim(code, "0123456789") != "":
		return Problem("code", ProblemMalformed, "", "code must be 6 digits")
	}
	return nil
}
