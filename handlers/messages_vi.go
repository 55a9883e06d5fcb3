package handlers

// The Vietnamese of the app's messages: every English format an error is built from
// (models.Errorf, FieldError, Problem, WrapError) with its translation, the same verbs in the same
// order so that the error's arguments fill it. Field names, codes, header names and states stay
// as they are: a client reads them in either language. TestVietnameseCoversEveryFormat finds a
// format without a translation. Internal errors have none: their message is never shown.

// viFormat is the Vietnamese of an English message format (models.Error.Format); ok is false
// for a format without a translation, whose message keeps the headline rule (localized).
func viFormat(format string) (string, bool) {
	areas := []func(string) string{
		viAccountMessages,
		viSignInMessages,
		viPrivacyMessages,
		viNotificationMessages,
		viActionMessages,
		viWorkflowMessages,
		viIntakeMessages,
		viQueueMessages,
		viCatalogMessages,
		viCalendarMessages,
		viMediaMessages,
		viRequestMessages,
		viOpen311Messages,
		viStatisticsMessages,
		viStoreMessages,
	}
	for _, area := range areas {
		if vi := area(format); vi != "" {
			return vi, true
		}
	}
	return "", false
}

// viAccountMessages translates the messages of accounts, administrators' own rules and machine
// keys; "" for another format.
func viAccountMessages(format string) string {
	switch format {
	case "this account is disabled":
		return "Tài khoản này đã bị vô hiệu hóa"
	case "this session has ended; sign in again":
		return "Phiên đăng nhập đã kết thúc; vui lòng đăng nhập lại"
	case "this account is blocked":
		return "Tài khoản này đã bị khóa"
	case "role must be one of %s":
		return "role phải là một trong các giá trị: %s"
	case "limit must be 1–%d":
		return "limit phải từ 1 đến %d"
	case "no official account with id %q":
		return "Không có tài khoản cán bộ nào có id %q"
	case "no account with username or phone %q":
		return "Không có tài khoản nào có tên đăng nhập hoặc số điện thoại %q"
	case "administrators cannot change their own role":
		return "Quản trị viên không thể tự đổi vai trò của chính mình"
	case "role %s needs a unit":
		return "Vai trò %s cần có đơn vị"
	case "display_name must have at most %d characters":
		return "display_name tối đa %d ký tự"
	case "title must have at most %d characters":
		return "title tối đa %d ký tự"
	case "unknown unit %q":
		return "Không có đơn vị %q"
	case "a reason is required to disable an account":
		return "Cần nêu lý do khi vô hiệu hóa tài khoản"
	case "reason must have at most %d characters":
		return "reason tối đa %d ký tự"
	case "administrators cannot disable their own account":
		return "Quản trị viên không thể tự vô hiệu hóa tài khoản của chính mình"
	case "no account with id %q":
		return "Không có tài khoản nào có id %q"
	case "role must be one of officer, leader, ioc_operator, ioc_viewer, admin":
		return "role phải là một trong các giá trị: officer, leader, ioc_operator, ioc_viewer, admin"
	case "username must be 1–64 characters of a–z, 0–9, '.', '_' or '-'":
		return "Tên đăng nhập phải dài 1–64 ký tự, gồm a–z, 0–9, '.', '_' hoặc '-'"
	case "password must have at least %d characters":
		return "Mật khẩu phải có ít nhất %d ký tự"
	case "username %q is taken":
		return "Tên đăng nhập %q đã có người dùng"
	case "%s is for administrators":
		return "Chỉ quản trị viên được dùng chức năng này (%s)"
	case "name must have 1–100 characters":
		return "Tên phải dài 1–100 ký tự"
	case "scope must be one of %s":
		return "scope phải là một trong các giá trị: %s"
	case "expires_at must be in the future":
		return "expires_at phải là một thời điểm trong tương lai"
	case "no API key with id %q":
		return "Không có khóa API nào có id %q"
	case "invalid API key":
		return "Khóa API không hợp lệ"
	case "this API key is %s":
		return "Khóa API này không còn dùng được (%s)"
	case "expires_at must be an RFC 3339 time, e.g. 2027-01-31T17:00:00+07:00":
		return "expires_at phải là thời điểm theo RFC 3339, ví dụ 2027-01-31T17:00:00+07:00"
	case "disabled must be true or false":
		return "disabled phải là true hoặc false"
	}
	return ""
}

// viSignInMessages translates the messages of signing in, passwords, second factors and the
// console's session; "" for another format.
func viSignInMessages(format string) string {
	switch format {
	case "invalid or expired code":
		return "Mã không đúng hoặc đã hết hạn"
	case "the SMS could not be sent; try again later":
		return "Chưa gửi được tin nhắn SMS; vui lòng thử lại sau"
	case "too many wrong codes; request a new code":
		return "Nhập sai mã quá nhiều lần; vui lòng yêu cầu mã mới"
	case "invalid username or password":
		return "Tên đăng nhập hoặc mật khẩu không đúng"
	case "username is required":
		return "Cần nhập tên đăng nhập"
	case "password is required":
		return "Cần nhập mật khẩu"
	case "this account signs in with a second factor: send the authenticator's code (or a recovery code) as otp":
		return "Tài khoản này đăng nhập bằng xác thực hai lớp: vui lòng gửi mã của ứng dụng xác thực (hoặc một mã khôi phục) trong trường otp"
	case "the second factor code is wrong or already used":
		return "Mã xác thực hai lớp không đúng hoặc đã được dùng"
	case "current_password is required":
		return "Cần nhập current_password"
	case "new_password must differ from the current password":
		return "new_password phải khác mật khẩu hiện tại"
	case "this account signs in with a one-time code and has no password to change":
		return "Tài khoản này đăng nhập bằng mã dùng một lần nên không có mật khẩu để đổi"
	case "the current password is wrong":
		return "Mật khẩu hiện tại không đúng"
	case "no account has the username %q":
		return "Không có tài khoản nào có tên đăng nhập %q"
	case "%s must have at least %d characters":
		return "%s phải có ít nhất %d ký tự"
	case "invalid refresh token":
		return "Mã làm mới phiên (refresh token) không hợp lệ"
	case "invalid or expired access token":
		return "Mã truy cập (access token) không hợp lệ hoặc đã hết hạn"
	case "no account for this credential":
		return "Không có tài khoản nào ứng với thông tin đăng nhập này"
	case "the second factor is already on; turn it off first (DELETE /v1/me/2fa)":
		return "Xác thực hai lớp đã được bật; vui lòng tắt trước (DELETE /v1/me/2fa)"
	case "no enrolment in progress; start one with POST /v1/me/2fa/enroll":
		return "Chưa có lượt thiết lập nào đang thực hiện; hãy bắt đầu bằng POST /v1/me/2fa/enroll"
	case "the code is not the authenticator's current one":
		return "Mã không phải là mã hiện tại của ứng dụng xác thực"
	case "the second factor is not on":
		return "Xác thực hai lớp chưa được bật"
	case "the code is wrong or already used":
		return "Mã không đúng hoặc đã được dùng"
	case "a second factor is for officials' accounts":
		return "Xác thực hai lớp dành cho tài khoản cán bộ"
	case "second factors are not configured on this server":
		return "Máy chủ này chưa cấu hình xác thực hai lớp"
	case "an access token is required (Authorization: Bearer …)":
		return "Cần có mã truy cập (Authorization: Bearer …)"
	case "change the one-time password first (POST /v1/me/password), then sign in again":
		return "Vui lòng đổi mật khẩu dùng một lần trước (POST /v1/me/password), sau đó đăng nhập lại"
	case "this deployment requires a second factor for your role: enrol one first (POST /v1/me/2fa/enroll, then POST /v1/me/2fa/confirm)":
		return "Hệ thống yêu cầu xác thực hai lớp đối với vai trò của bạn: vui lòng thiết lập trước (POST /v1/me/2fa/enroll, sau đó POST /v1/me/2fa/confirm)"
	case "this route is not for the %s role":
		return "Chức năng này không dành cho vai trò %s"
	case "the form has expired or did not come from this console (CSRF token missing or wrong); reload the page and try again":
		return "Biểu mẫu đã hết hạn hoặc không được gửi từ trang quản lý này (mã CSRF thiếu hoặc sai); vui lòng tải lại trang và thử lại"
	case "your session has ended; sign in again":
		return "Phiên đăng nhập đã kết thúc; vui lòng đăng nhập lại"
	case "the console page is not for the %s role":
		return "Trang quản lý này không dành cho vai trò %s"
	case "change the one-time password first":
		return "Vui lòng đổi mật khẩu dùng một lần trước"
	case "this deployment requires a second factor for your role: turn it on first (console page /console/2fa)":
		return "Hệ thống yêu cầu xác thực hai lớp đối với vai trò của bạn: vui lòng bật trước (trang /console/2fa)"
	case "the console is for officials":
		return "Trang quản lý chỉ dành cho cán bộ"
	case "no such file":
		return "Không có tệp này"
	}
	return ""
}

// viPrivacyMessages translates the messages of personal data: consent, the data export, phone
// numbers, erasure and SMS codes; "" for another format.
func viPrivacyMessages(format string) string {
	switch format {
	case "accept the privacy notice version %d first: read it at GET /v1/privacy, then POST /v1/me/consents {\"purpose\":\"account\",\"version\":%d}":
		return "Vui lòng đồng ý với thông báo xử lý dữ liệu cá nhân phiên bản %d trước: xem tại GET /v1/privacy, sau đó gửi POST /v1/me/consents {\"purpose\":\"account\",\"version\":%d}"
	case "only residents give consent":
		return "Chỉ người dân mới cần cho ý kiến đồng ý"
	case "purpose must be account or contact, not %q":
		return "purpose phải là account hoặc contact, không phải %q"
	case "the privacy notice in force is version %d (GET /v1/privacy)":
		return "Thông báo xử lý dữ liệu cá nhân đang áp dụng là phiên bản %d (GET /v1/privacy)"
	case "consent to the account itself ends by erasing the account (DELETE /v1/me)":
		return "Sự đồng ý đối với tài khoản chỉ chấm dứt khi xóa tài khoản (DELETE /v1/me)"
	case "contact is allowed per report when filing it (allow_contact); only its withdrawal is recorded here":
		return "Việc đồng ý cho liên hệ được chọn theo từng phản ánh khi gửi (allow_contact); ở đây chỉ ghi nhận việc rút lại sự đồng ý"
	case "officials' names are changed by an administrator":
		return "Tên của cán bộ do quản trị viên thay đổi"
	case "display_name must be text without control characters":
		return "display_name phải là văn bản không có ký tự điều khiển"
	case "display_name is longer than %d characters":
		return "display_name dài quá %d ký tự"
	case "the records of processing are for administrators":
		return "Hồ sơ hoạt động xử lý dữ liệu chỉ dành cho quản trị viên"
	case "the data export is for residents; officials ask an administrator":
		return "Chức năng xuất dữ liệu cá nhân dành cho người dân; cán bộ vui lòng liên hệ quản trị viên"
	case "the data export is for residents":
		return "Chức năng xuất dữ liệu cá nhân dành cho người dân"
	case "this is already the account's phone number":
		return "Đây đã là số điện thoại của tài khoản"
	case "code must be 6 digits":
		return "Mã phải gồm 6 chữ số"
	case "this phone number belongs to another account":
		return "Số điện thoại này thuộc về một tài khoản khác"
	case "only residents sign in with a phone number":
		return "Chỉ người dân mới đăng nhập bằng số điện thoại"
	case "phone is required":
		return "Cần nhập số điện thoại"
	case "phone must contain only digits, spaces, dots, dashes and a leading +":
		return "Số điện thoại chỉ gồm chữ số, khoảng trắng, dấu chấm, dấu gạch ngang và dấu + ở đầu"
	case "phone must be a Vietnamese mobile number (0xxxxxxxxx or +84xxxxxxxxx)":
		return "Số điện thoại phải là số di động Việt Nam (0xxxxxxxxx hoặc +84xxxxxxxxx)"
	case "code is required":
		return "Cần nhập mã"
	case "only a resident erases their own account; officials' accounts are disabled by an administrator":
		return "Chỉ người dân mới tự xóa tài khoản của mình; tài khoản cán bộ do quản trị viên vô hiệu hóa"
	case "code is required: request a sign-in code for your phone first":
		return "Cần nhập mã: vui lòng yêu cầu mã đăng nhập gửi về số điện thoại của bạn trước"
	case "the ticket kept changing meanwhile; try again":
		return "Phản ánh liên tục thay đổi trong lúc xử lý; vui lòng thử lại"
	case "phone number is required":
		return "Cần nhập số điện thoại"
	case "sms gateway unreachable":
		return "Không kết nối được cổng tin nhắn SMS"
	case "sms gateway refused the message":
		return "Cổng tin nhắn SMS từ chối gửi tin"
	case "sms not sent":
		return "Chưa gửi được tin nhắn SMS"
	}
	return ""
}

// viNotificationMessages translates the messages of devices, ward subscriptions, the inbox and
// live events; "" for another format.
func viNotificationMessages(format string) string {
	switch format {
	case "only signed-in users have devices":
		return "Chỉ người dùng đã đăng nhập mới có thiết bị"
	case "token is required":
		return "Cần có token"
	case "area_code is required":
		return "Cần nhập area_code"
	case "area %q is not in boundary set %s":
		return "Khu vực %q không thuộc bộ địa giới %s"
	case "at most %d subscriptions per user":
		return "Mỗi người dùng tối đa %d lượt đăng ký nhận tin"
	case "no subscription of area %q":
		return "Không có đăng ký nhận tin của khu vực %q"
	case "only residents subscribe to ward announcements":
		return "Chỉ người dân mới đăng ký nhận thông báo của phường"
	case "only residents have a notification inbox":
		return "Chỉ người dân mới có hộp thư thông báo"
	case "give ids or all, not both":
		return "Vui lòng chọn ids hoặc all, không chọn cả hai"
	case "give the ids of the notifications to mark read, or all: true":
		return "Vui lòng gửi ids của các thông báo cần đánh dấu đã đọc, hoặc all: true"
	case "at most one page of ids at once":
		return "Mỗi lần tối đa một trang ids"
	case "cursor is not one this server gave":
		return "Con trỏ phân trang (cursor) không do máy chủ này cấp"
	case "unread must be true or false":
		return "unread phải là true hoặc false"
	case "lang must be vi or en":
		return "lang phải là vi hoặc en"
	case "token is longer than %d bytes":
		return "token dài quá %d byte"
	case "token must be printable ASCII without spaces or slashes":
		return "token phải là ký tự ASCII in được, không có khoảng trắng hay dấu gạch chéo"
	case "platform must be android, ios or web":
		return "platform phải là android, ios hoặc web"
	case "locale is longer than %d bytes":
		return "locale dài quá %d byte"
	case "app_version is longer than %d bytes":
		return "app_version dài quá %d byte"
	case "token is not a valid path segment":
		return "token không phải là một đoạn đường dẫn hợp lệ"
	case "queue events are for officials with a queue":
		return "Sự kiện hàng đợi chỉ dành cho cán bộ có hàng đợi"
	case "not an event id of this stream":
		return "Không phải mã sự kiện của luồng này"
	case "too many open event streams; try again later":
		return "Có quá nhiều luồng sự kiện đang mở; vui lòng thử lại sau"
	}
	return ""
}

// viActionMessages translates the messages of the officials' actions on a ticket: notes,
// resolution, extensions, merges, legal holds, publication; "" for another format.
func viActionMessages(format string) string {
	switch format {
	case "note is longer than %d characters":
		return "Ghi chú dài quá %d ký tự"
	case "reason must be one of %s":
		return "reason phải là một trong các giá trị: %s"
	case "duplicate_of must name another ticket":
		return "duplicate_of phải là một phiếu khác"
	case "duplicate_of must be an open ticket":
		return "duplicate_of phải là một phiếu đang mở"
	case "outcome must be fixed, partially_fixed, not_fixable or not_responsible":
		return "outcome phải là fixed, partially_fixed, not_fixable hoặc not_responsible"
	case "visibility must be public or internal":
		return "visibility phải là public hoặc internal"
	case "officer must be an officer or leader of unit %s":
		return "Người được giao phải là cán bộ hoặc lãnh đạo của đơn vị %s"
	case "due_at must be later than the current deadline %s":
		return "due_at phải sau hạn xử lý hiện tại %s"
	case "an extension request is already pending":
		return "Đã có một đề nghị gia hạn đang chờ duyệt"
	case "there is no pending extension request":
		return "Không có đề nghị gia hạn nào đang chờ duyệt"
	case "an extension must be approved by someone other than who requested it":
		return "Đề nghị gia hạn phải do người khác với người đề nghị duyệt"
	case "rating must be 1 to 5":
		return "Điểm đánh giá phải từ 1 đến 5"
	case "comment is longer than 1000 characters":
		return "Nhận xét dài quá 1000 ký tự"
	case "this report was already reopened %d time(s), the maximum":
		return "Phản ánh này đã được mở lại %d lần, là số lần tối đa"
	case "the time to reopen ended at %s; please file a new report":
		return "Thời hạn mở lại đã hết lúc %s; vui lòng gửi phản ánh mới"
	case "add_comment needs a note, media or both":
		return "add_comment cần có ghi chú, hình ảnh/video hoặc cả hai"
	case "duplicate_of names no ticket you may read":
		return "duplicate_of không phải là phiếu mà bạn được xem"
	case "a ticket cannot be merged into itself":
		return "Không thể gộp một phiếu vào chính nó"
	case "ticket %s is %s: merge into an open ticket":
		return "Phiếu %s đang ở trạng thái %s: chỉ gộp vào phiếu đang mở"
	case "ticket %s is at another unit; only the IOC merges across units":
		return "Phiếu %s thuộc đơn vị khác; chỉ IOC mới gộp phiếu giữa các đơn vị"
	case "this ticket is a duplicate of another ticket already":
		return "Phiếu này đã được xác định là trùng với một phiếu khác"
	case "only IOC operators and administrators place or release legal holds":
		return "Chỉ cán bộ vận hành IOC và quản trị viên mới đặt hoặc gỡ lệnh lưu giữ hồ sơ"
	case "reason is required":
		return "Cần nêu lý do"
	case "reason must be valid text of at most %d characters":
		return "reason phải là văn bản hợp lệ, tối đa %d ký tự"
	case "the ticket is already under a legal hold":
		return "Phiếu đã đang bị lưu giữ theo yêu cầu pháp lý"
	case "the ticket is not under a legal hold":
		return "Phiếu không bị lưu giữ theo yêu cầu pháp lý"
	case "category is required for recategorize":
		return "Cần chọn category để phân loại lại"
	case "the ticket is already in category %s":
		return "Phiếu đã thuộc lĩnh vực %s"
	case "the report is private already":
		return "Phản ánh đã ở chế độ riêng tư"
	case "category %s is private by policy, so its reports stay out of public views; recategorize the report to publish it":
		return "Lĩnh vực %s được giữ riêng tư theo quy định nên phản ánh thuộc lĩnh vực này không công khai; vui lòng phân loại lại phản ánh để công khai"
	case "the report is public already":
		return "Phản ánh đã được công khai"
	case "hide_from_public needs a description (the text the public reads instead), media (the photos to hide) or both":
		return "hide_from_public cần có mô tả (nội dung công chúng sẽ đọc thay thế), hình ảnh (các ảnh cần ẩn) hoặc cả hai"
	case "description is longer than %d characters":
		return "Mô tả dài quá %d ký tự"
	case "media %q is not a photo of this report":
		return "Tệp %q không phải là ảnh của phản ánh này"
	case "the public already reads this description and sees none of these photos":
		return "Công chúng đã đang đọc mô tả này và không thấy các ảnh này"
	}
	return ""
}

// viWorkflowMessages translates the messages of the workflow: who may do what in which state,
// versions, transfers, bulk actions; "" for another format.
func viWorkflowMessages(format string) string {
	switch format {
	case "%s is performed by the system only":
		return "%s chỉ do hệ thống thực hiện"
	case "the ticket changed meanwhile: it is at version %d, not %d; reload it":
		return "Phản ánh đã thay đổi trong lúc bạn xem: phiên bản hiện tại là %d, không phải %d; vui lòng tải lại"
	case "%s is not possible while the ticket is %s; allowed now: %s":
		return "Không thể thực hiện %s khi phản ánh đang ở trạng thái %s; các thao tác được phép lúc này: %s"
	case "a %s may not %s":
		return "Vai trò %s không được thực hiện %s"
	case "only the reporter may %s":
		return "Chỉ người gửi phản ánh mới được thực hiện %s"
	case "the reporter follows their own report already":
		return "Người gửi phản ánh đã theo dõi phản ánh của mình"
	case "the ticket is at unit %s now; your unit may read it but not act":
		return "Phiếu hiện thuộc đơn vị %s; đơn vị của bạn được xem nhưng không được xử lý"
	case "this report's followers have changed %d times, the most one report records; following or unfollowing it is no longer possible":
		return "Danh sách người theo dõi phản ánh này đã thay đổi %d lần, mức tối đa mỗi phản ánh được ghi nhận; không thể theo dõi hoặc bỏ theo dõi nữa"
	case "the ticket changed meanwhile (version %d is no longer current); reload it":
		return "Phản ánh đã thay đổi trong lúc bạn xem (phiên bản %d không còn là hiện tại); vui lòng tải lại"
	case "%s is required for this action":
		return "Cần nhập %s cho thao tác này"
	case "%s is longer than %d characters":
		return "%s dài quá %d ký tự"
	case "area %s has no %s unit":
		return "Khu vực %s không có đơn vị %s"
	case "transfer needs a unit or an area":
		return "Chuyển phiếu cần có đơn vị hoặc khu vực"
	case "the ticket is already at %s":
		return "Phiếu đã thuộc %s"
	case "unit %s is disabled and takes no tickets":
		return "Đơn vị %s đã bị vô hiệu hóa và không nhận phiếu"
	case "If-Match must be the ticket version, e.g. \"3\"":
		return "If-Match phải là phiên bản của phiếu, ví dụ \"3\""
	case "expected_version differs from If-Match":
		return "expected_version khác với If-Match"
	case "expected_version (or an If-Match header) is required":
		return "Cần có expected_version (hoặc tiêu đề If-Match)"
	case "due_at must be an RFC 3339 time such as 2026-12-01T17:00:00+07:00":
		return "due_at phải là thời điểm theo RFC 3339, ví dụ 2026-12-01T17:00:00+07:00"
	case "overdue must be true or false":
		return "overdue phải là true hoặc false"
	case "due_before must be an RFC 3339 time":
		return "due_before phải là thời điểm theo RFC 3339"
	case "assigned must be me or none":
		return "assigned phải là me hoặc none"
	case "extension must be pending":
		return "extension phải là pending"
	case "routing must be flagged":
		return "routing phải là flagged"
	case "%s must be an RFC 3339 time":
		return "%s phải là thời điểm theo RFC 3339"
	case "limit must be a positive integer":
		return "limit phải là số nguyên dương"
	case "action is required":
		return "Cần chọn thao tác (action)"
	case "unknown action %q":
		return "Không có thao tác %q"
	case "a bulk action is accept or assign":
		return "Thao tác hàng loạt chỉ là accept hoặc assign"
	case "name the tickets":
		return "Vui lòng chọn các phiếu cần xử lý"
	case "at most %d tickets at once":
		return "Mỗi lần xử lý tối đa %d phiếu"
	case "a ticket id is required":
		return "Cần có id của phiếu"
	case "ticket %s is named twice":
		return "Phiếu %s được chọn hai lần"
	case "the version the caller saw is required":
		return "Cần có phiên bản (version) của phiếu mà bạn đã xem"
	case "a chosen ticket must be id:version":
		return "Phiếu được chọn phải có dạng id:version"
	}
	return ""
}

// viIntakeMessages translates the messages of filing a report, by a resident or on their
// behalf, and the console's ticket forms; "" for another format.
func viIntakeMessages(format string) string {
	switch format {
	case "only residents file reports":
		return "Chỉ người dân mới gửi phản ánh"
	case "occurred_at is in the future":
		return "occurred_at là thời điểm trong tương lai"
	case "occurred_at is more than %d days before filing; file it as a problem that is there now":
		return "occurred_at sớm hơn %d ngày trước lúc gửi; vui lòng gửi phản ánh về vấn đề đang còn tồn tại"
	case "unknown category %q; see GET /v1/categories":
		return "Không có lĩnh vực %q; xem GET /v1/categories"
	case "only residents have own reports":
		return "Chỉ người dân mới có phản ánh của mình"
	case "only residents follow reports":
		return "Chỉ người dân mới theo dõi phản ánh"
	case "a resident's own report comes through the app or the web (channel %s); the other channels are for officials filing on a resident's behalf":
		return "Người dân tự gửi phản ánh qua ứng dụng hoặc trang web (kênh %s); các kênh khác dành cho cán bộ tiếp nhận thay người dân"
	case "only the IOC's operators and the wards' officers and leaders file reports on a resident's behalf":
		return "Chỉ cán bộ vận hành IOC và cán bộ, lãnh đạo phường mới tiếp nhận phản ánh thay người dân"
	case "client_request_id differs from the Idempotency-Key header":
		return "client_request_id khác với tiêu đề Idempotency-Key"
	case "occurred_at must be an RFC 3339 time such as 2026-12-01T17:00:00+07:00":
		return "occurred_at phải là thời điểm theo RFC 3339, ví dụ 2026-12-01T17:00:00+07:00"
	case "location is required":
		return "Cần có vị trí (location)"
	case "location.lat is required":
		return "Cần có location.lat"
	case "location.lng is required":
		return "Cần có location.lng"
	case "give mine=true (your reports) or following=true (the reports you follow)":
		return "Vui lòng chọn mine=true (phản ánh của bạn) hoặc following=true (phản ánh bạn theo dõi)"
	case "description is required":
		return "Cần nhập nội dung phản ánh"
	case "description is not valid UTF-8":
		return "Nội dung phản ánh không phải là văn bản UTF-8 hợp lệ"
	case "address is longer than %d characters":
		return "Địa chỉ dài quá %d ký tự"
	case "idempotency key is longer than %d bytes":
		return "Khóa chống gửi trùng (idempotency key) dài quá %d byte"
	case "lat must be a number between -90 and 90":
		return "lat phải là số từ -90 đến 90"
	case "lng must be a number between -180 and 180":
		return "lng phải là số từ -180 đến 180"
	case "accuracy_m must be between 0 and %d":
		return "accuracy_m phải từ 0 đến %d"
	case "channel is required: how the report came (%s)":
		return "Cần có channel: kênh tiếp nhận phản ánh (%s)"
	case "an official files a report under channel %s":
		return "Cán bộ tiếp nhận phản ánh theo kênh %s"
	case "on_behalf.phone must be a Vietnamese mobile number such as 0912345678":
		return "on_behalf.phone phải là số điện thoại di động Việt Nam, ví dụ 0912345678"
	case "on_behalf.name needs on_behalf.phone: the name is kept on the resident's account":
		return "on_behalf.name cần có on_behalf.phone: tên được lưu vào tài khoản của người dân"
	case "on_behalf.name must be text without control characters":
		return "on_behalf.name phải là văn bản không có ký tự điều khiển"
	case "on_behalf.name is longer than %d characters":
		return "on_behalf.name dài quá %d ký tự"
	case "give both coordinates as numbers, e.g. 10.3867 and 105.4352, or choose the ward":
		return "Vui lòng nhập cả hai tọa độ dưới dạng số, ví dụ 10.3867 và 105.4352, hoặc chọn phường"
	case "choose the ward or give the coordinates of the place":
		return "Vui lòng chọn phường hoặc nhập tọa độ của địa điểm"
	case "the form has no valid ticket version; reload the page":
		return "Biểu mẫu không có phiên bản phiếu hợp lệ; vui lòng tải lại trang"
	case "the new deadline must be a date and time":
		return "Hạn xử lý mới phải là ngày và giờ"
	case "the form could not be read":
		return "Không đọc được biểu mẫu"
	case "the photo %q could not be read":
		return "Không đọc được ảnh %q"
	case "size must be thumb or large":
		return "size phải là thumb hoặc large"
	}
	return ""
}

// viQueueMessages translates the messages of the officials' queue, saved filters, duplicates
// and reply templates; "" for another format.
func viQueueMessages(format string) string {
	switch format {
	case "channel must be one of %s":
		return "channel phải là một trong các giá trị: %s"
	case "your queue is unit %s":
		return "Hàng đợi của bạn là của đơn vị %s"
	case "queues are for officials":
		return "Hàng đợi chỉ dành cho cán bộ"
	case "q is longer than 200 characters":
		return "q dài quá 200 ký tự"
	case "sign in first":
		return "Vui lòng đăng nhập trước"
	case "at most %d saved filters; delete one first":
		return "Tối đa %d bộ lọc đã lưu; vui lòng xóa bớt một bộ lọc trước"
	case "saved filters are for officials":
		return "Bộ lọc đã lưu chỉ dành cho cán bộ"
	case "a filter needs a name":
		return "Bộ lọc cần có tên"
	case "a name is at most %d characters":
		return "Tên tối đa %d ký tự"
	case "the query must be a URL query string such as assigned=none&overdue=true":
		return "Điều kiện lọc phải là chuỗi truy vấn URL, ví dụ assigned=none&overdue=true"
	case "a query is at most %d characters":
		return "Điều kiện lọc tối đa %d ký tự"
	case "the queue has no filter %q":
		return "Hàng đợi không có bộ lọc %q"
	case "a filter needs at least one condition":
		return "Bộ lọc cần ít nhất một điều kiện"
	case "invalid cursor":
		return "Con trỏ phân trang (cursor) không hợp lệ"
	case "replies are for the officials handling the ticket":
		return "Mẫu trả lời chỉ dành cho cán bộ đang xử lý phiếu"
	case "a unit has at most %d replies; delete one first":
		return "Mỗi đơn vị tối đa %d mẫu trả lời; vui lòng xóa bớt một mẫu trước"
	case "a reply stays with its unit %s":
		return "Mẫu trả lời thuộc về đơn vị %s và không thể chuyển sang đơn vị khác"
	case "reply not found":
		return "Không tìm thấy mẫu trả lời"
	case "your replies are unit %s's":
		return "Bạn chỉ dùng được mẫu trả lời của đơn vị %s"
	case "name the unit whose replies to list":
		return "Vui lòng chọn đơn vị cần xem mẫu trả lời"
	case "unknown unit %s":
		return "Không có đơn vị %s"
	case "replies are for officials":
		return "Mẫu trả lời chỉ dành cho cán bộ"
	case "name the unit the reply is for":
		return "Vui lòng chọn đơn vị của mẫu trả lời"
	case "a unit's replies are written by its leaders or the IOC":
		return "Mẫu trả lời của đơn vị do lãnh đạo đơn vị hoặc IOC soạn"
	case "unknown category %s":
		return "Không có lĩnh vực %s"
	case "%s is at most %d characters":
		return "%s tối đa %d ký tự"
	case "unknown placeholder %s; a text may use %s":
		return "Không có trường thay thế %s; nội dung chỉ được dùng: %s"
	case "radius must be a positive number of metres, at most %.0f":
		return "Bán kính phải là số mét dương, tối đa %.0f"
	case "ticket not found":
		return "Không tìm thấy phản ánh"
	case "duplicate candidates are for the officials handling the ticket":
		return "Danh sách phiếu có thể trùng chỉ dành cho cán bộ đang xử lý phiếu"
	case "radius must be a number of metres":
		return "radius phải là số mét"
	}
	return ""
}

// viCatalogMessages translates the messages of the catalog: boundary sets, categories, units
// and routing rules; "" for another format.
func viCatalogMessages(format string) string {
	switch format {
	case "a boundary set id is a non-empty name without control characters, e.g. longxuyen-2025":
		return "Mã bộ địa giới phải là một tên không rỗng, không có ký tự điều khiển, ví dụ longxuyen-2025"
	case "boundary set %s is not valid GeoJSON boundaries: %v":
		return "Bộ địa giới %s không phải là dữ liệu địa giới GeoJSON hợp lệ: %v"
	case "area %s not found in boundary set %s":
		return "Không tìm thấy khu vực %s trong bộ địa giới %s"
	case "the point (lat %.6f, lng %.6f) is outside the jurisdiction: it is more than %.0f m from every area of boundary set %s":
		return "Vị trí (vĩ độ %.6f, kinh độ %.6f) nằm ngoài địa bàn: cách hơn %.0f m so với mọi khu vực của bộ địa giới %s"
	case "group must be one of antt, asxh, do_thi, moi_truong, giao_thong, khac":
		return "group phải là một trong các giá trị: antt, asxh, do_thi, moi_truong, giao_thong, khac"
	case "unit_kind must name a kind of unit, e.g. ubnd, cong_an, vhxh, ioc":
		return "unit_kind phải là một loại đơn vị, ví dụ ubnd, cong_an, vhxh, ioc"
	case "priority must be normal or urgent":
		return "priority phải là normal hoặc urgent"
	case "triage_sla: %v":
		return "triage_sla không hợp lệ: %v"
	case "resolve_sla: %v":
		return "resolve_sla không hợp lệ: %v"
	case "a deadline value must be at most 10000":
		return "Giá trị thời hạn tối đa là 10000"
	case "attribute %d needs a code of a–z, A–Z, 0–9, '.', '_' or '-' and a datatype among %s":
		return "Thuộc tính thứ %d cần có mã gồm a–z, A–Z, 0–9, '.', '_' hoặc '-' và kiểu dữ liệu thuộc: %s"
	case "info_wait_days must be 0 (the default, %d) to 365 working days":
		return "info_wait_days phải từ 0 (mặc định, %d) đến 365 ngày làm việc"
	case "info_wait_policy must be close or return":
		return "info_wait_policy phải là close hoặc return"
	case "no category with code %q":
		return "Không có lĩnh vực nào có mã %q"
	case "code must be 1–100 characters of a–z, A–Z, 0–9, '.', '_' or '-'":
		return "Mã phải dài 1–100 ký tự, gồm a–z, A–Z, 0–9, '.', '_' hoặc '-'"
	case "name_en (English) is required: the app shows it to English speakers":
		return "Cần nhập name_en (tên tiếng Anh): ứng dụng hiển thị tên này cho người dùng tiếng Anh"
	case "category %q exists":
		return "Lĩnh vực %q đã tồn tại"
	case "%s would have no unit of kind %s (add the unit or a routing rule first)":
		return "%s sẽ không có đơn vị loại %s nào (vui lòng thêm đơn vị hoặc quy tắc phân công trước)"
	case "name (Vietnamese) is required":
		return "Cần nhập name (tên tiếng Việt)"
	case "name must have at most %d characters":
		return "Tên tối đa %d ký tự"
	case "name_en must have at most %d characters":
		return "name_en tối đa %d ký tự"
	case "id must be 1–100 characters of a–z, A–Z, 0–9, '.', '_' or '-'":
		return "id phải dài 1–100 ký tự, gồm a–z, A–Z, 0–9, '.', '_' hoặc '-'"
	case "kind must be 1–100 characters of a–z, A–Z, 0–9, '.', '_' or '-', e.g. ubnd, cong_an, vhxh":
		return "kind phải dài 1–100 ký tự, gồm a–z, A–Z, 0–9, '.', '_' hoặc '-', ví dụ ubnd, cong_an, vhxh"
	case "unknown area %q in boundary set %s":
		return "Không có khu vực %q trong bộ địa giới %s"
	case "unit %q exists":
		return "Đơn vị %q đã tồn tại"
	case "no unit with id %q":
		return "Không có đơn vị nào có id %q"
	case "the IOC cannot be disabled: routing falls back to it":
		return "Không thể vô hiệu hóa IOC: việc phân công phiếu dựa vào IOC khi không có đơn vị khác"
	case "%s would leave %s%s without a unit (only the IOC fallback); add a routing rule to another unit first":
		return "Thao tác %s sẽ khiến %s%s không còn đơn vị phụ trách (chỉ còn IOC dự phòng); vui lòng thêm quy tắc phân công cho đơn vị khác trước"
	case "unknown category %q":
		return "Không có lĩnh vực %q"
	case "unit %q is disabled":
		return "Đơn vị %q đã bị vô hiệu hóa"
	case "no routing rule for category %q in area %q":
		return "Không có quy tắc phân công cho lĩnh vực %q ở khu vực %q"
	case "%s must be a decimal number":
		return "%s phải là số thập phân"
	case "category is required":
		return "Cần chọn lĩnh vực"
	}
	return ""
}

// viCalendarMessages translates the messages of boundary switch-overs, the working calendar and
// the console's administration forms; "" for another format.
func viCalendarMessages(format string) string {
	switch format {
	case "in_progress must be %q or %q":
		return "in_progress phải là %q hoặc %q"
	case "the switch-over must be at least %s ahead, so that every instance loads the new map in time":
		return "Thời điểm chuyển đổi phải cách hiện tại ít nhất %s, để mọi máy chủ kịp nạp bản đồ mới"
	case "%s is already the boundary set in force":
		return "%s đã là bộ địa giới đang áp dụng"
	case "boundary set %q is not imported (phananh admin boundaries import)":
		return "Bộ địa giới %q chưa được nhập (phananh admin boundaries import)"
	case "switch-over %s to %s is %s; cancel it or let it finish first":
		return "Lượt chuyển đổi %s sang %s đang ở trạng thái %s; vui lòng hủy hoặc chờ hoàn tất trước"
	case "unit %q (successor of %s) is unknown or disabled":
		return "Đơn vị %q (kế thừa %s) không tồn tại hoặc đã bị vô hiệu hóa"
	case "switch-over %s is %s and can no longer be cancelled":
		return "Lượt chuyển đổi %s đang ở trạng thái %s nên không thể hủy nữa"
	case "switch-over %s is past its instant (%s) and can no longer be cancelled":
		return "Lượt chuyển đổi %s đã qua thời điểm thực hiện (%s) nên không thể hủy nữa"
	case "switch-over %s not found":
		return "Không tìm thấy lượt chuyển đổi %s"
	case "at must be an RFC 3339 time, e.g. 2027-01-01T00:00:00+07:00":
		return "at phải là thời điểm theo RFC 3339, ví dụ 2027-01-01T00:00:00+07:00"
	case "year %d is out of range (2000–2100)":
		return "Năm %d nằm ngoài phạm vi cho phép (2000–2100)"
	case "%q is not a date (want YYYY-MM-DD)":
		return "%q không phải là ngày (cần dạng YYYY-MM-DD)"
	case "%s is not in %d":
		return "%s không thuộc năm %d"
	case "%s is listed twice (also in %s)":
		return "%s bị liệt kê hai lần (cũng có trong %s)"
	case "%s is a %s: only a Saturday or Sunday can be swapped into a working day":
		return "%s là %s: chỉ thứ Bảy hoặc Chủ nhật mới có thể hoán đổi thành ngày làm việc"
	case "the year in the path must be a number such as 2027":
		return "Năm trong đường dẫn phải là một số, ví dụ 2027"
	case "give the whole year: days_off and swapped_working_days (either may be [])":
		return "Vui lòng gửi cả năm: days_off và swapped_working_days (có thể là [])"
	case "the expiry must be a date":
		return "Ngày hết hạn phải là một ngày hợp lệ"
	case "the year must be a number such as 2027":
		return "Năm phải là một số, ví dụ 2027"
	case "the deadline must be a whole number":
		return "Thời hạn phải là số nguyên"
	case "the wait must be a whole number of working days":
		return "Thời gian chờ phải là số nguyên ngày làm việc"
	case "%s must be a date (YYYY-MM-DD)":
		return "%s phải là ngày (YYYY-MM-DD)"
	}
	return ""
}

// viMediaMessages translates the messages of photos and videos: uploads, resumable uploads,
// quotas and their processing; "" for another format.
func viMediaMessages(format string) string {
	switch format {
	case "only signed-in users upload media":
		return "Chỉ người dùng đã đăng nhập mới tải lên hình ảnh/video"
	case "%s photos cannot be processed here (no decoder); send JPEG instead — on an iPhone: Settings › Camera › Formats › Most Compatible":
		return "Không xử lý được ảnh %s tại đây (không có bộ giải mã); vui lòng gửi ảnh JPEG — trên iPhone: Cài đặt › Camera › Định dạng › Tương thích nhất"
	case "the file is not a JPEG, PNG or WebP image nor an MP4 or MOV video (the type is read from its content, not its name)":
		return "Tệp không phải ảnh JPEG, PNG, WebP hay video MP4, MOV (loại tệp được xác định theo nội dung, không theo tên)"
	case "the file is empty":
		return "Tệp rỗng"
	case "the upload was interrupted; send it again or resume it (PATCH with Upload-Offset)":
		return "Việc tải lên bị gián đoạn; vui lòng gửi lại hoặc tải tiếp (PATCH với Upload-Offset)"
	case "a %s may be at most %d MB":
		return "Tệp %s tối đa %d MB"
	case "a %s may be at most %d bytes":
		return "Tệp %s tối đa %d byte"
	case "at most %d media per report":
		return "Mỗi phản ánh tối đa %d hình ảnh/video"
	case "media id %q is listed twice":
		return "Mã tệp %q bị liệt kê hai lần"
	case "unknown media id %q; upload it first with POST /v1/media":
		return "Không có tệp nào có mã %q; vui lòng tải tệp lên trước bằng POST /v1/media"
	case "media %q is already attached to another report":
		return "Tệp %q đã được đính kèm vào một phản ánh khác"
	case "media can be attached when filing, adding to a report or resolving only":
		return "Chỉ đính kèm hình ảnh/video khi gửi phản ánh, bổ sung phản ánh hoặc báo cáo kết quả xử lý"
	case "media %q is already attached to this report":
		return "Tệp %q đã được đính kèm vào phản ánh này"
	case "media not found":
		return "Không tìm thấy tệp"
	case "a video has no %s rendition":
		return "Video không có bản %s"
	case "size must be thumb or large (or absent for the original)":
		return "size phải là thumb hoặc large (hoặc bỏ trống để lấy bản gốc)"
	case "you already hold %s in uploads not yet attached to a report and at most %s may wait at once; file a report with them (or let them expire after %s) before uploading %s more":
		return "Bạn đang có %s tệp tải lên chưa đính kèm vào phản ánh nào, trong khi tối đa chỉ %s được chờ cùng lúc; vui lòng gửi phản ánh kèm các tệp đó (hoặc chờ chúng hết hạn sau %s) trước khi tải thêm %s"
	case "Upload-Length must be a positive number of bytes":
		return "Upload-Length phải là số byte dương"
	case "an upload may be at most %d MB":
		return "Mỗi lần tải lên tối đa %d MB"
	case "upload not found":
		return "Không tìm thấy lượt tải lên"
	case "Upload-Offset is %d but %d bytes were received; continue from there":
		return "Upload-Offset là %d nhưng máy chủ đã nhận %d byte; vui lòng tải tiếp từ vị trí đó"
	case "the upload is longer than its declared %d bytes":
		return "Dữ liệu tải lên dài hơn %d byte đã khai báo"
	case "the connection dropped after %d bytes; continue with Upload-Offset %d":
		return "Kết nối bị ngắt sau %d byte; vui lòng tải tiếp với Upload-Offset %d"
	case "another request is writing this upload":
		return "Một yêu cầu khác đang ghi vào lượt tải lên này"
	case "%s images are not accepted; send JPEG, PNG or WebP":
		return "Không nhận ảnh %s; vui lòng gửi ảnh JPEG, PNG hoặc WebP"
	case "the image has no pixels":
		return "Ảnh không có điểm ảnh nào"
	case "the image is %d×%d pixels (%.1f megapixels); at most %.0f megapixels are accepted":
		return "Ảnh có kích thước %d×%d điểm ảnh (%.1f megapixel); chỉ nhận ảnh tối đa %.0f megapixel"
	case "the file is not a complete, valid %s image":
		return "Tệp không phải là ảnh %s đầy đủ, hợp lệ"
	case "the file is not a complete, valid MP4 or QuickTime video":
		return "Tệp không phải là video MP4 hoặc QuickTime đầy đủ, hợp lệ"
	}
	return ""
}

// viRequestMessages translates the messages of the request itself: its body, its JSON, its
// uploads' headers, the server's load and the rate limits; "" for another format.
func viRequestMessages(format string) string {
	switch format {
	case "Content-Type must be application/json":
		return "Content-Type phải là application/json"
	case "the body must be a single JSON object":
		return "Nội dung yêu cầu phải là đúng một đối tượng JSON"
	case "the request body is empty":
		return "Nội dung yêu cầu bị trống"
	case "malformed JSON at byte %d":
		return "JSON sai cú pháp tại byte %d"
	case "malformed JSON: unexpected end of body":
		return "JSON sai cú pháp: nội dung kết thúc đột ngột"
	case "the body must be a JSON object":
		return "Nội dung yêu cầu phải là một đối tượng JSON"
	case "unknown field %q":
		return "Trường không được phép: %q"
	case "malformed JSON":
		return "JSON sai cú pháp"
	case "%s must be %s":
		return "%s phải là %s"
	case "request bodies must not be compressed (Content-Encoding: %.20s)":
		return "Nội dung yêu cầu không được nén (Content-Encoding: %.20s)"
	case "the server is busy; retry in a moment":
		return "Máy chủ đang bận; vui lòng thử lại sau giây lát"
	case "send multipart/form-data with the file in the field \"file\" (or use resumable uploads: POST /v1/media/uploads)":
		return "Vui lòng gửi multipart/form-data với tệp trong trường \"file\" (hoặc dùng cách tải lên có thể tiếp tục: POST /v1/media/uploads)"
	case "the body is %d bytes; a file may be at most %d MB":
		return "Nội dung gửi lên có %d byte; mỗi tệp tối đa %d MB"
	case "the form has no field named \"file\"":
		return "Biểu mẫu không có trường \"file\""
	case "malformed multipart body":
		return "Nội dung multipart sai định dạng"
	case "the Upload-Length header must give the file's size in bytes":
		return "Tiêu đề Upload-Length phải là kích thước tệp tính bằng byte"
	case "send the bytes as application/offset+octet-stream":
		return "Vui lòng gửi dữ liệu dưới dạng application/offset+octet-stream"
	case "the Upload-Offset header must give the byte offset the body starts at":
		return "Tiêu đề Upload-Offset phải là vị trí byte bắt đầu của nội dung gửi lên"
	case "Authorization must be a bearer token":
		return "Authorization phải là mã bearer"
	case "the request body could not be read":
		return "Không đọc được nội dung yêu cầu"
	case "too many requests; try again after %s":
		return "Bạn gửi quá nhiều yêu cầu; vui lòng thử lại sau %s"
	case "too many codes were sent to this phone today; try again after %s":
		return "Hôm nay đã gửi quá nhiều mã đến số điện thoại này; vui lòng thử lại sau %s"
	case "too many attempts; try again after %s":
		return "Bạn thử quá nhiều lần; vui lòng thử lại sau %s"
	case "too many failed sign-ins; this account is locked until %s":
		return "Đăng nhập sai quá nhiều lần; tài khoản tạm khóa đến %s"
	case "you have uploaded %s in the last day and at most %s are accepted per day; %s more would pass it — try again after %s":
		return "Trong một ngày qua bạn đã tải lên %s, trong khi mỗi ngày chỉ nhận tối đa %s; tải thêm %s sẽ vượt mức — vui lòng thử lại sau %s"
	}
	return ""
}

// viOpen311Messages translates the messages of the Open311 GeoReport interface; "" for another
// format.
func viOpen311Messages(format string) string {
	switch format {
	case "jurisdiction_id %q is not served here (use %q or leave it out)":
		return "Hệ thống không phục vụ jurisdiction_id %q (dùng %q hoặc bỏ trống)"
	case "service_code %q not found":
		return "Không tìm thấy service_code %q"
	case "api_key must be a key with the open311 scope":
		return "api_key phải là khóa có phạm vi open311"
	case "service_code is required":
		return "Cần nhập service_code"
	case "this server does not geocode addresses: send lat and long":
		return "Máy chủ này không tra cứu tọa độ từ địa chỉ: vui lòng gửi lat và long"
	case "a location is required: lat and long":
		return "Cần có vị trí: lat và long"
	case "service %s has no attribute %q":
		return "Dịch vụ %s không có thuộc tính %q"
	case "%s is required":
		return "Cần nhập %s"
	case "%s takes one value":
		return "%s chỉ nhận một giá trị"
	case "%s must be a number":
		return "%s phải là một số"
	case "%s must be an ISO 8601 datetime with an offset":
		return "%s phải là thời điểm theo ISO 8601 có múi giờ"
	case "%q is not a value of %s":
		return "%q không phải là giá trị hợp lệ của %s"
	case "status must be open or closed":
		return "status phải là open hoặc closed"
	case "service request %s not found":
		return "Không tìm thấy yêu cầu dịch vụ %s"
	case "token %s not found":
		return "Không tìm thấy token %s"
	case "end_date is before start_date":
		return "end_date sớm hơn start_date"
	case "start_date and end_date may be at most 90 days apart":
		return "start_date và end_date cách nhau tối đa 90 ngày"
	case "%s must be an ISO 8601 datetime with an offset, e.g. 2026-03-02T08:15:30+07:00":
		return "%s phải là thời điểm theo ISO 8601 có múi giờ, ví dụ 2026-03-02T08:15:30+07:00"
	case "%s must be a whole number of at least 1":
		return "%s phải là số nguyên từ 1 trở lên"
	case "bbox must be minLng,minLat,maxLng,maxLat":
		return "bbox phải có dạng minLng,minLat,maxLng,maxLat"
	case "api_key is required":
		return "Cần có api_key"
	}
	return ""
}

// viStatisticsMessages translates the messages of statistics, reports, exports, open data and
// hotspots; "" for another format.
func viStatisticsMessages(format string) string {
	switch format {
	case "exports are for the IOC, administrators and keys with the export scope":
		return "Dữ liệu xuất chỉ dành cho IOC, quản trị viên và các khóa có phạm vi export"
	case "to must be after from":
		return "to phải sau from"
	case "unknown state %q":
		return "Không có trạng thái %q"
	case "this API key has the %s scope, not %s":
		return "Khóa API này có phạm vi %s, không phải %s"
	case "statistics are for the IOC":
		return "Số liệu thống kê chỉ dành cho IOC"
	case "%s must be a date like 2026-11-27 (Asia/Ho_Chi_Minh)":
		return "%s phải là ngày, ví dụ 2026-11-27 (giờ Asia/Ho_Chi_Minh)"
	case "to is before from":
		return "to sớm hơn from"
	case "unknown boundary set %q: the stored sets are %s":
		return "Không có bộ địa giới %q: các bộ hiện có là %s"
	case "interval must be day, week or month":
		return "interval phải là day, week hoặc month"
	case "metric must be one of %s":
		return "metric phải là một trong các giá trị: %s"
	case "a time series covers at most %d days; narrow from and to":
		return "Chuỗi số liệu theo thời gian tối đa %d ngày; vui lòng thu hẹp from và to"
	case "this API key has the %s scope; this route needs %s":
		return "Khóa API này có phạm vi %s; chức năng này cần phạm vi %s"
	case "%s must be a positive integer":
		return "%s phải là số nguyên dương"
	case "period must be a month (2026-11), a quarter (2026-Q4) or a year (2026)":
		return "period phải là tháng (2026-11), quý (2026-Q4) hoặc năm (2026)"
	case "by must be unit or area":
		return "by phải là unit hoặc area"
	case "format must be xlsx or csv":
		return "format phải là xlsx hoặc csv"
	case "%s must be a date (2026-03-02) or an RFC 3339 time":
		return "%s phải là ngày (2026-03-02) hoặc thời điểm theo RFC 3339"
	case "lang must be en or vi":
		return "lang phải là en hoặc vi"
	case "%d exports are already running; retry later":
		return "Đang có %d lượt xuất dữ liệu chạy; vui lòng thử lại sau"
	case "cell must be between %d and %d metres":
		return "cell phải từ %d đến %d mét"
	case "hotspots need from and to, at most %d days apart":
		return "Bản đồ điểm nóng cần from và to, cách nhau tối đa %d ngày"
	case "hotspots cover at most %d days; narrow from and to":
		return "Bản đồ điểm nóng tối đa %d ngày; vui lòng thu hẹp from và to"
	}
	return ""
}

// viStoreMessages translates the messages of the stores' own refusals: records not found, taken
// or changed meanwhile; "" for another format.
func viStoreMessages(format string) string {
	switch format {
	case "blob not found":
		return "Không tìm thấy tệp"
	case "offset %d is outside the blob of %d bytes":
		return "Vị trí %d nằm ngoài tệp có %d byte"
	case "the sign-in code of this phone changed while a new one was stored; try again":
		return "Mã đăng nhập của số điện thoại này đã thay đổi trong lúc lưu mã mới; vui lòng thử lại"
	case "api key not found":
		return "Không tìm thấy khóa API"
	case "media is attached to another ticket":
		return "Tệp đã được đính kèm vào một phiếu khác"
	case "media was attached meanwhile":
		return "Tệp vừa được đính kèm trong lúc xử lý"
	case "%s not found":
		return "Không tìm thấy %s"
	case "%s already exists":
		return "%s đã tồn tại"
	case "phone number is already registered":
		return "Số điện thoại đã được đăng ký"
	case "switch-over %s is no longer %s":
		return "Lượt chuyển đổi %s không còn ở trạng thái %s"
	case "the ticket's record would reach %d MiB, over the %d MiB a ticket may hold; nothing was changed":
		return "Hồ sơ của phiếu sẽ lên tới %d MiB, vượt mức %d MiB cho phép mỗi phiếu; chưa có thay đổi nào được lưu"
	case "ticket was changed concurrently (expected version %d)":
		return "Phản ánh đã bị thay đổi đồng thời (phiên bản mong đợi %d)"
	case "routing rule not found":
		return "Không tìm thấy quy tắc phân công"
	case "saved filter not found":
		return "Không tìm thấy bộ lọc đã lưu"
	case "report not found":
		return "Không tìm thấy báo cáo"
	case "ticket was changed by someone else (version %d, expected %d)":
		return "Phản ánh đã được người khác thay đổi (phiên bản %d, mong đợi %d)"
	case "username is already taken":
		return "Tên đăng nhập đã có người dùng"
	case "user already exists":
		return "Người dùng đã tồn tại"
	}
	return ""
}
