package handlers

import (
	"errors"
	"fmt"
	"strings"

	"phananh/models"
)

// The message catalog of the error vocabulary, in one place: the headline of every error code
// (models.E*) and the sentence of every field problem (models.Problem*), in Vietnamese (the
// default, what residents read) and English (Accept-Language: en or ?lang=en). The app's own
// messages are English sentences built from a format (models.Errorf …); a Vietnamese answer
// words them with the translation of that format (viFormat, messages_vi.go), and puts the
// headline of the code before a message whose format has none. Field problems with a stable
// problem code are worded here entirely.

// codeText is the headline of an error code.
func codeText(code string, en bool) string {
	vi, eng := codeTexts(code)
	if en {
		return eng
	}
	return vi
}

// codeTexts is codeText's table: Vietnamese, then English.
func codeTexts(code string) (string, string) {
	switch code {
	case models.EInvalid:
		return "Yêu cầu không hợp lệ", "Invalid request"
	case models.EUnprocessable:
		return "Không thể xử lý yêu cầu", "The request cannot be processed"
	case models.EOutsideJurisdiction:
		return "Vị trí nằm ngoài địa bàn tiếp nhận phản ánh", "The location is outside the area served"
	case models.EUnauthorized:
		return "Chưa đăng nhập, hoặc thông tin đăng nhập không đúng hay đã hết hạn", "Not signed in, or the credentials are wrong or expired"
	case models.EForbidden:
		return "Bạn không có quyền thực hiện thao tác này", "You are not allowed to do this"
	case models.EPasswordChangeRequired:
		return "Bạn cần đổi mật khẩu trước", "Change your password first"
	case models.ESecondFactorRequired:
		return "Cần mã xác thực hai lớp", "The second-factor code is required"
	case models.ESecondFactorEnrolmentRequired:
		return "Bạn cần thiết lập xác thực hai lớp trước", "Set up two-factor authentication first"
	case models.EConsentRequired:
		return "Bạn cần đồng ý với thông báo xử lý dữ liệu cá nhân", "Accept the privacy notice first"
	case models.ENotFound:
		return "Không tìm thấy", "Not found"
	case models.EConflict:
		return "Dữ liệu đã thay đổi hoặc đã tồn tại", "The data changed meanwhile or already exists"
	case models.ETooLarge:
		return "Dữ liệu gửi lên quá lớn", "Too large"
	case models.EUnsupportedMedia:
		return "Định dạng dữ liệu không được hỗ trợ", "Unsupported data format"
	case models.ERateLimited:
		return "Bạn thao tác quá nhiều lần, vui lòng thử lại sau", "Too many requests; try again later"
	case models.EUnavailable:
		return "Dịch vụ tạm thời gián đoạn, vui lòng thử lại sau", "The service is unavailable; try again later"
	case codeMethodNotAllowed:
		return "Phương thức không được hỗ trợ", "Method not allowed"
	}
	return "Lỗi hệ thống", "Internal error"
}

// problemText is the sentence of a field problem, naming the field at the end so that a client
// which shows only error.message still tells the person which field to fix. ok is false for a
// problem without a catalog entry (models.ProblemInvalid): its message is the app's own.
func problemText(p *models.Error, en bool) (string, bool) {
	vi, eng := problemTexts(p.Problem, p.Arg)
	if vi == "" {
		return "", false
	}
	text := vi
	if en {
		text = eng
	}
	return text + " (" + p.Field + ")", true
}

// problemTexts is problemText's table: Vietnamese, then English; "" for no entry.
func problemTexts(problem, arg string) (string, string) {
	switch problem {
	case models.ProblemRequired:
		return "Thiếu trường bắt buộc", "Required field missing"
	case models.ProblemWrongType:
		vi, en := typeNames(arg)
		return "Sai kiểu dữ liệu: cần " + vi, "Wrong type: must be " + en
	case models.ProblemUnknownField:
		return "Trường không được phép", "Field not allowed"
	case models.ProblemBadEnum:
		return "Giá trị không hợp lệ, chỉ chấp nhận: " + arg, "Not an allowed value; allowed: " + arg
	case models.ProblemOutOfRange:
		return "Giá trị ngoài phạm vi cho phép: " + arg, "Out of range: " + arg
	case models.ProblemTooLong:
		return fmt.Sprintf("Quá dài: tối đa %s ký tự", arg), fmt.Sprintf("Too long: at most %s characters", arg)
	case models.ProblemTooMany:
		return fmt.Sprintf("Quá nhiều: tối đa %s mục", arg), fmt.Sprintf("Too many: at most %s items", arg)
	case models.ProblemMalformed:
		return "Giá trị sai định dạng", "Malformed value"
	case models.ProblemMismatch:
		return "Giá trị không khớp với " + arg, "Does not match " + arg
	}
	return "", ""
}

// typeNames names a JSON type (models.ProblemWrongType's Arg) in Vietnamese and English.
func typeNames(typ string) (string, string) {
	switch typ {
	case "string":
		return "chuỗi ký tự", "a string"
	case "number":
		return "số", "a number"
	case "integer":
		return "số nguyên", "an integer"
	case "boolean":
		return "true hoặc false", "true or false"
	case "array":
		return "mảng", "an array"
	}
	return "đối tượng", "an object"
}

// localized is the message of err in the caller's language. English is detail as it is (err's
// own message, or the transport's words for an error of its own). Vietnamese is the catalog's
// translation of the format err was built from, when it has one (viMessage); otherwise the
// code's headline followed by detail, or the headline alone when the detail is only the English
// of the code or must not be shown (generic is true: internal errors, the transport's own).
func localized(err error, code, detail string, generic, en bool) string {
	if en {
		return detail
	}
	if vi, ok := viMessage(err); ok && !generic {
		return vi
	}
	if generic || detail == "" || strings.EqualFold(detail, codeText(code, true)) {
		return codeText(code, false)
	}
	return codeText(code, false) + ": " + detail
}

// viMessage is the Vietnamese of the message of err's app error: the catalog's translation of
// its format (viFormat), filled with its arguments. ok is false for an error that is not an
// app error, is internal (its message is never shown) or has a format without a translation.
func viMessage(err error) (string, bool) {
	var e *models.Error
	if !errors.As(err, &e) || e.Code == models.EInternal {
		return "", false
	}
	vi, ok := viFormat(e.Format)
	if !ok {
		return "", false
	}
	return fmt.Sprintf(vi, e.Args...), true
}
