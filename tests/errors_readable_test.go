package tests

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fieldProblem is one entry of error.errors: a field, its stable problem code and the message.
type fieldProblem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// errorEnvelope is the whole error body, with every field problem.
type errorEnvelope struct {
	Error struct {
		Code      string         `json:"code"`
		Message   string         `json:"message"`
		Field     string         `json:"field"`
		RequestID string         `json:"request_id"`
		Errors    []fieldProblem `json:"errors"`
	} `json:"error"`
}

// readableCase is a bad request and the problems its answer must list, in both languages.
type readableCase struct {
	name   string
	method string
	path   string // %s is the ticket's id
	body   any
	status int
	code   string
	vi, en []fieldProblem // every entry, in order, with the messages of the language
}

// problems builds the expected entries of fields/codes with the messages given in order.
func problems(pairs []string, messages ...string) []fieldProblem {
	out := make([]fieldProblem, len(pairs))
	for i, p := range pairs {
		field, code, _ := strings.Cut(p, "/")
		out[i] = fieldProblem{Field: field, Code: code, Message: messages[i]}
	}
	return out
}

// readableReportCases are bad reports of every class: wrong types, missing fields, unknown fields.
func readableReportCases(lat, lng float64) []readableCase {
	good := func(mut func(m map[string]any)) map[string]any {
		m := report("ANTT.01", lat, lng)
		mut(m)
		return m
	}
	wrongTypes := []string{"allow_contact/wrong_type", "description/wrong_type", "location.lat/wrong_type"}
	missing := []string{"category/required", "description/required", "location/required"}
	missingCoords := []string{"location.lat/required", "location.lng/required"}
	unknown := []string{"location.alt/unknown_field", "state/unknown_field", "unit/unknown_field"}
	return []readableCase{
		{name: "wrong types", method: "POST", path: "/v1/tickets", status: 400, code: "invalid",
			body: good(func(m map[string]any) {
				m["description"], m["allow_contact"] = 5, "yes"
				m["location"] = map[string]any{"lat": "10.38", "lng": lng}
			}),
			vi: problems(wrongTypes, "Sai kiểu dữ liệu: cần true hoặc false (allow_contact)", "Sai kiểu dữ liệu: cần chuỗi ký tự (description)", "Sai kiểu dữ liệu: cần số (location.lat)"),
			en: problems(wrongTypes, "Wrong type: must be true or false (allow_contact)", "Wrong type: must be a string (description)", "Wrong type: must be a number (location.lat)")},
		{name: "several missing fields", method: "POST", path: "/v1/tickets", status: 400, code: "invalid",
			body: map[string]any{"address": "12 Trần Hưng Đạo"},
			vi:   problems(missing, "Thiếu trường bắt buộc (category)", "Thiếu trường bắt buộc (description)", "Thiếu trường bắt buộc (location)"),
			en:   problems(missing, "Required field missing (category)", "Required field missing (description)", "Required field missing (location)")},
		{name: "missing coordinates", method: "POST", path: "/v1/tickets", status: 400, code: "invalid",
			body: good(func(m map[string]any) { m["location"] = map[string]any{"accuracy_m": 5} }),
			vi:   problems(missingCoords, "Thiếu trường bắt buộc (location.lat)", "Thiếu trường bắt buộc (location.lng)"),
			en:   problems(missingCoords, "Required field missing (location.lat)", "Required field missing (location.lng)")},
		{name: "unknown fields", method: "POST", path: "/v1/tickets", status: 400, code: "invalid",
			body: good(func(m map[string]any) {
				m["state"], m["unit"] = "resolved", map[string]any{"id": "city.ioc"}
				m["location"] = map[string]any{"lat": lat, "lng": lng, "alt": 3}
			}),
			vi: problems(unknown, "Trường không được phép (location.alt)", "Trường không được phép (state)", "Trường không được phép (unit)"),
			en: problems(unknown, "Field not allowed (location.alt)", "Field not allowed (state)", "Field not allowed (unit)")},
	}
}

// readableActionCases are bad actions on a ticket: an action that does not exist, with and
// without the version it must name.
func readableActionCases() []readableCase {
	const allowed = "accept, reject, transfer, mark_duplicate, merge, start, request_info, resolve, note, assign, request_extension, approve_extension, deny_extension, provide_info, withdraw, rate, reopen, follow, unfollow, add_comment, recategorize, set_private, set_public, hide_from_public"
	enum := []string{"action/bad_enum"}
	both := []string{"action/bad_enum", "expected_version/required"}
	wrong := []string{"expected_version/wrong_type", "rating/wrong_type"}
	return []readableCase{
		{name: "bad enum", method: "POST", path: "/v1/tickets/%s/actions", status: 400, code: "invalid",
			body: map[string]any{"action": "explode", "expected_version": 1},
			vi:   problems(enum, "Giá trị không hợp lệ, chỉ chấp nhận: "+allowed+" (action)"),
			en:   problems(enum, "Not an allowed value; allowed: "+allowed+" (action)")},
		{name: "bad enum and no version", method: "POST", path: "/v1/tickets/%s/actions", status: 400, code: "invalid",
			body: map[string]any{"action": "explode"},
			vi:   problems(both, "Giá trị không hợp lệ, chỉ chấp nhận: "+allowed+" (action)", "Thiếu trường bắt buộc (expected_version)"),
			en:   problems(both, "Not an allowed value; allowed: "+allowed+" (action)", "Required field missing (expected_version)")},
		{name: "action wrong types", method: "POST", path: "/v1/tickets/%s/actions", status: 400, code: "invalid",
			body: map[string]any{"action": "rate", "expected_version": "1", "rating": 4.5},
			vi:   problems(wrong, "Sai kiểu dữ liệu: cần số nguyên (expected_version)", "Sai kiểu dữ liệu: cần số nguyên (rating)"),
			en:   problems(wrong, "Wrong type: must be an integer (expected_version)", "Wrong type: must be an integer (rating)")},
	}
}

// readableSignInCases are sign-ins, by code and by password, with every field missing or
// malformed.
func readableSignInCases() []readableCase {
	missing := []string{"phone/required", "code/required"}
	malformed := []string{"phone/malformed", "code/malformed"}
	login := []string{"username/required", "password/required"}
	return []readableCase{
		{name: "password sign-in missing fields", method: "POST", path: "/v1/auth/login", status: 400, code: "invalid",
			body: map[string]any{"username": " ", "password": ""},
			vi:   problems(login, "Thiếu trường bắt buộc (username)", "Thiếu trường bắt buộc (password)"),
			en:   problems(login, "Required field missing (username)", "Required field missing (password)")},
		{name: "sign-in missing fields", method: "POST", path: "/v1/auth/otp/verify", status: 400, code: "invalid",
			body: map[string]any{"phone": " ", "code": ""},
			vi:   problems(missing, "Thiếu trường bắt buộc (phone)", "Thiếu trường bắt buộc (code)"),
			en:   problems(missing, "Required field missing (phone)", "Required field missing (code)")},
		{name: "sign-in malformed fields", method: "POST", path: "/v1/auth/otp/verify", status: 400, code: "invalid",
			body: map[string]any{"phone": "12345", "code": "12a"},
			vi:   problems(malformed, "Giá trị sai định dạng (phone)", "Giá trị sai định dạng (code)"),
			en:   problems(malformed, "Malformed value (phone)", "Malformed value (code)")},
	}
}

// TestErrorsAreReadable sends bad requests of every class in Vietnamese and English: every
// field at fault is listed with its code and a message in the language asked for, the first
// one is error.field and error.message as before, the request id is the X-Request-Id header,
// and nothing was created. Then it checks the RateLimit headers of a limited route. Both stores:
// the limits count in each.
func TestErrorsAreReadable(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	p := set.Areas()[3].InteriorPoint()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "RATE_LIMITS="+relaxedRateLimits+",intake_user=3/15m")
		rep := s.signInResident("0912000031")
		for _, c := range append(readableReportCases(p.Lat(), p.Lon()), readableSignInCases()...) {
			t.Run(c.name, func(t *testing.T) { checkReadable(t, s, rep.AccessToken, "", c) })
		}
		if n := len(myTickets(t, s, rep.AccessToken)); n != 0 {
			t.Fatalf("%d tickets stored by refused requests", n)
		}
		r := s.request(t, "POST", "/v1/tickets", rep.AccessToken, report("ANTT.01", p.Lat(), p.Lon())).expect(t, http.StatusCreated)
		var tk ticket
		r.json(t, &tk)
		checkRateLimit(t, r, "intake_user", 3, 2)
		for _, c := range readableActionCases() {
			t.Run(c.name, func(t *testing.T) { checkReadable(t, s, rep.AccessToken, tk.ID, c) })
		}
		var after ticket
		s.request(t, "GET", "/v1/tickets/"+tk.ID, rep.AccessToken, nil).expect(t, http.StatusOK).json(t, &after)
		if after.Version != tk.Version || after.State != tk.State {
			t.Errorf("refused actions changed the ticket: version %d state %s, was %d %s", after.Version, after.State, tk.Version, tk.State)
		}
		checkIntakeLimitReached(t, s, rep.AccessToken, p.Lat(), p.Lon())
		r = s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0912000032"}).expect(t, http.StatusAccepted)
		if got, want := policyNames(r.header.Get("RateLimit-Policy")), "otp_ip otp_phone otp_phone_day"; got != want {
			t.Errorf("sign-in code limits %q, want %s", r.header.Get("RateLimit-Policy"), want)
		}
		if got := policyNames(r.header.Get("RateLimit")); got != "otp_ip otp_phone otp_phone_day" {
			t.Errorf("sign-in code RateLimit %q", r.header.Get("RateLimit"))
		}
	})
}

// policyNames are the names of a RateLimit or RateLimit-Policy header's items, sorted.
func policyNames(h string) string {
	return strings.Join(slices.Sorted(maps.Keys(structuredList(h))), " ")
}

// checkIntakeLimitReached files the two reports intake_user=3/15m still allows after the first,
// then checks the 429 of the next one: Retry-After, and RateLimit with nothing left.
func checkIntakeLimitReached(t *testing.T, s *server, token string, lat, lng float64) {
	t.Helper()
	for range 2 {
		s.request(t, "POST", "/v1/tickets", token, report("ANTT.01", lat, lng)).expect(t, http.StatusCreated)
	}
	r := s.request(t, "POST", "/v1/tickets", token, report("ANTT.01", lat, lng), "Accept-Language: en").expect(t, http.StatusTooManyRequests)
	checkRateLimit(t, r, "intake_user", 3, 0)
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if n := len(myTickets(t, s, token)); n != 3 {
		t.Errorf("%d tickets stored, want the 3 the limit allowed", n)
	}
}

// checkReadable sends c in Vietnamese (the default, and asked for) and in English.
func checkReadable(t *testing.T, s *server, token, ticketID string, c readableCase) {
	t.Helper()
	path := strings.Replace(c.path, "%s", ticketID, 1)
	for _, lang := range []struct {
		header, contentLanguage string
		want                    []fieldProblem
	}{{"", "vi", c.vi}, {"Accept-Language: vi", "vi", c.vi}, {"Accept-Language: en-US,en;q=0.9", "en", c.en}, {"Accept-Language: fr, en;q=0.5", "en", c.en}} {
		headers := []string{"X-Request-Id: readable-" + strconv.Itoa(len(lang.header))}
		if lang.header != "" {
			headers = append(headers, lang.header)
		}
		r := s.request(t, c.method, path, token, c.body, headers...)
		var e errorEnvelope
		r.json(t, &e)
		if r.status != c.status || e.Error.Code != c.code {
			t.Errorf("%q: status %d code %q, want %d %q; body %s", lang.header, r.status, e.Error.Code, c.status, c.code, r.body)
		}
		if diff := cmp.Diff(lang.want, e.Error.Errors); diff != "" {
			t.Errorf("%q: errors (-want +got):\n%s", lang.header, diff)
		}
		if len(lang.want) > 0 && (e.Error.Field != lang.want[0].Field || e.Error.Message != lang.want[0].Message) {
			t.Errorf("%q: error.field %q message %q, want the first entry's", lang.header, e.Error.Field, e.Error.Message)
		}
		if got := r.header.Get("Content-Language"); got != lang.contentLanguage {
			t.Errorf("%q: Content-Language %q, want %q", lang.header, got, lang.contentLanguage)
		}
		if id := r.header.Get("X-Request-Id"); id == "" || e.Error.RequestID != id {
			t.Errorf("%q: request_id %q, X-Request-Id %q", lang.header, e.Error.RequestID, id)
		}
	}
}

// checkRateLimit checks that the answer names policy in its RateLimit-Policy (limit requests
// per 15 minutes) and RateLimit (remaining left, to be reset within the window) headers.
func checkRateLimit(t *testing.T, r response, policy string, limit, remaining int) {
	t.Helper()
	policies := structuredList(r.header.Get("RateLimit-Policy"))
	states := structuredList(r.header.Get("RateLimit"))
	if diff := cmp.Diff(map[string]string{"q": strconv.Itoa(limit), "w": "900"}, policies[policy]); diff != "" {
		t.Errorf("RateLimit-Policy %q: %s (-want +got):\n%s", r.header.Get("RateLimit-Policy"), policy, diff)
	}
	st := states[policy]
	if st["r"] != strconv.Itoa(remaining) {
		t.Errorf("RateLimit %q: %s remaining %q, want %d", r.header.Get("RateLimit"), policy, st["r"], remaining)
	}
	if reset, err := strconv.Atoi(st["t"]); err != nil || reset < 1 || reset > 900 {
		t.Errorf("RateLimit %q: %s reset %q, want 1..900 seconds", r.header.Get("RateLimit"), policy, st["t"])
	}
}

// structuredList reads a list of "name";key=value;… items (RFC 9651) by name.
func structuredList(h string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, item := range strings.Split(h, ",") {
		parts := strings.Split(strings.TrimSpace(item), ";")
		params := map[string]string{}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, "=")
			params[k] = v
		}
		out[strings.Trim(parts[0], `"`)] = params
	}
	return out
}

// myTickets lists the resident's own reports.
func myTickets(t *testing.T, s *server, token string) []ticket {
	t.Helper()
	var list struct{ Tickets []ticket }
	s.request(t, "GET", "/v1/tickets?mine=true", token, nil).expect(t, http.StatusOK).json(t, &list)
	return list.Tickets
}
