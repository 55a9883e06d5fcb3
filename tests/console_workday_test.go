package tests

import (
	"bytes"
	"net/http"
	"regexp"
	"testing"
	"time"
)

// TestConsoleForAWorkingDay checks what a ward official trying the console found wanting: people
// shown by name rather than account id, the assignee on the ticket page and in the queue, the
// queue's deadline saying which deadline it is and the time left, note fields that say who will
// read them, confirmations on the actions that end or refuse something, decision forms only
// for a pending extension request, no unit preselected for a transfer, and no raw codes.
func TestConsoleForAWorkingDay(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 3)
	s := startServer(t, storeKind{name: "sqlite"})
	unit := unitOf(x.code, "ubnd")
	res := s.signInResident("0912300077")
	officer := s.createOfficial("officer", "canbo.ngay", unit)
	leader := s.createOfficial("leader", "truong.ngay", unit)
	admin := s.createOfficial("admin", "quantri.ngay", "")
	for id, profile := range map[string]map[string]string{officer.User.ID: {"display_name": "Trần Thị Bình"},
		leader.User.ID: {"display_name": "Nguyễn Văn An", "title": "Chủ tịch UBND phường"}} {
		s.request(t, "PATCH", "/v1/admin/users/"+id, admin.AccessToken, profile).expect(t, http.StatusOK)
	}
	tk := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Đèn đường hỏng cả tuần nay.", false))
	ui := newConsoleClient(t, s)
	ui.signIn("truong.ngay")

	row := queueRow(t, ui, tk.ID)
	for _, want := range []string{"(hạn tiếp nhận)", `class="left"`, ">còn ", `class="assignee" data-label="Cán bộ"></td>`} {
		if !bytes.Contains(row, []byte(want)) {
			t.Errorf("received ticket's queue row lacks %q:\n%s", want, row)
		}
	}

	tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
	tk = step(t, s, leader.AccessToken, tk, "assign", fields{"officer": officer.User.ID}, "assigned")
	page := ui.do("GET", "/console/tickets/"+tk.ID, nil).expect(t, http.StatusOK).body
	mustHave(t, "ticket page", page,
		`id="ticket-assignee">Trần Thị Bình (canbo.ngay)<`,                 // the assignee, by name
		"Nguyễn Văn An, Chủ tịch UBND phường (truong.ngay)",                // who assigned, name and position
		`data-confirm="Từ chối phản ánh này?`,                              // reject asks first
		`<select name="unit" required><option value="" selected disabled>`, // no unit preselected
		"Ghi chú — người phản ánh và người dân sẽ thấy",                    // start's note is public
		"Ghi chú nội bộ — chỉ cán bộ thấy",                                 // request_extension's is not
		"Số lần cập nhật")
	mustLack(t, "ticket page", page, `id="form-approve_extension"`, `id="form-deny_extension"`, "Phiên bản")
	if id := regexp.MustCompile(`[0-9a-f]{32}`).Find(historyOf(page)); id != nil {
		t.Errorf("the history shows an account id %s instead of a name", id)
	}
	if row := queueRow(t, ui, tk.ID); !bytes.Contains(row, []byte("Trần Thị Bình (canbo.ngay)")) {
		t.Errorf("the queue row does not name the assignee:\n%s", row)
	}

	due := parseTime(t, tk.ResolveDueAt).Add(48 * time.Hour)
	tk = step(t, s, officer.AccessToken, tk, "request_extension", fields{"due_at": rfc(due), "reason": "Chờ vật tư"}, "assigned")
	page = ui.do("GET", "/console/tickets/"+tk.ID, nil).expect(t, http.StatusOK).body
	mustHave(t, "leader's page with a request pending", page, `id="form-approve_extension"`, `data-confirm="Không duyệt đề nghị gia hạn?"`)
	mustLack(t, "leader's page with a request pending", page, `id="form-request_extension"`)

	tk = step(t, s, leader.AccessToken, tk, "approve_extension", nil, "assigned")
	tk = step(t, s, officer.AccessToken, tk, "start", nil, "in_progress")
	step(t, s, officer.AccessToken, tk, "resolve", fields{"outcome": "fixed", "note": "Đã thay bóng đèn."}, "resolved")
	page = ui.do("GET", "/console/tickets/"+tk.ID, nil).expect(t, http.StatusOK).body
	mustHave(t, "resolved ticket page", page, `id="ticket-class">Đúng hạn<`)
	mustLack(t, "resolved ticket page", page, "on_time")
}

// queueRow is the queue's row of ticket id, as the console client sees the queue.
func queueRow(t *testing.T, cc *consoleClient, id string) []byte {
	t.Helper()
	body := cc.do("GET", "/console/queue", nil).expect(t, http.StatusOK).body
	row := regexp.MustCompile(`(?s)<tr [^>]*data-id="` + id + `".*?</tr>`).Find(body)
	if row == nil {
		t.Fatalf("ticket %s is not in the queue", id)
	}
	return row
}

// historyOf is the history lists of a ticket page.
func historyOf(page []byte) []byte {
	var out []byte
	for _, m := range regexp.MustCompile(`(?s)<ol class="history">.*?</ol>`).FindAll(page, -1) {
		out = append(out, m...)
	}
	return out
}

func mustHave(t *testing.T, what string, body []byte, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !bytes.Contains(body, []byte(w)) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustLack(t *testing.T, what string, body []byte, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if bytes.Contains(body, []byte(w)) {
			t.Errorf("%s has %q", what, w)
		}
	}
}
