package oldnotes

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/models"
)

// upgradeCase is one event as an earlier release wrote it and as Upgrade must leave it.
type upgradeCase struct {
	name string
	in   models.Event
	want models.Event // equal to in when the note has no old form
}

// upgradeCases has every old note form, with and without the actor's text, and near misses.
func upgradeCases() []upgradeCase {
	at := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	due := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC) // 10:00 in Vietnam
	ev := func(a models.Action, note string) models.Event {
		return models.Event{At: at, ActorRole: models.RoleOfficer, ActorID: "o1", Action: a, Note: note, Visibility: models.Public}
	}
	with := func(e models.Event, f func(*models.Event)) models.Event {
		f(&e)
		return e
	}
	return []upgradeCase{
		{"reject with a note", ev(models.ActReject, "other: Không rõ vị trí"),
			with(ev(models.ActReject, "Không rõ vị trí"), func(e *models.Event) { e.Reason = "other" })},
		{"reject without a note", ev(models.ActReject, "insufficient_info"),
			with(ev(models.ActReject, ""), func(e *models.Event) { e.Reason = "insufficient_info" })},
		{"reject with an unknown code", ev(models.ActReject, "spam: xyz"), ev(models.ActReject, "spam: xyz")},
		{"reject in free text", ev(models.ActReject, "Không rõ vị trí"), ev(models.ActReject, "Không rõ vị trí")},
		{"resolve", ev(models.ActResolve, "partially_fixed: Một phần: phần còn lại tuần sau"),
			with(ev(models.ActResolve, "Một phần: phần còn lại tuần sau"), func(e *models.Event) { e.Outcome = models.OutcomePartiallyFixed })},
		{"resolve without a code", ev(models.ActResolve, "Đã xong"), ev(models.ActResolve, "Đã xong")},
		{"reopen with a note", ev(models.ActReopen, "chưa xong: vẫn còn"),
			with(ev(models.ActReopen, "vẫn còn"), func(e *models.Event) { e.Reason = "chưa xong" })},
		{"reopen without a note", ev(models.ActReopen, "vẫn còn ổ gà"),
			with(ev(models.ActReopen, ""), func(e *models.Event) { e.Reason = "vẫn còn ổ gà" })},
		{"transfer with a note", ev(models.ActTransfer, "→ UBND phường Mỹ Xuyên (sai địa bàn). chuyển giúp"),
			with(ev(models.ActTransfer, "chuyển giúp"), func(e *models.Event) { e.UnitName, e.Reason = "UBND phường Mỹ Xuyên", "sai địa bàn" })},
		{"transfer without a note", ev(models.ActTransfer, "→ UBND phường Mỹ Xuyên (sai địa bàn (phường khác))."),
			with(ev(models.ActTransfer, ""), func(e *models.Event) {
				e.UnitName, e.Reason = "UBND phường Mỹ Xuyên", "sai địa bàn (phường khác)"
			})},
		{"transfer in free text", ev(models.ActTransfer, "chuyển sang phường khác"), ev(models.ActTransfer, "chuyển sang phường khác")},
		{"duplicate with a note", ev(models.ActMarkDuplicate, "→ LX-2026-000001. cùng ổ gà"),
			with(ev(models.ActMarkDuplicate, "cùng ổ gà"), func(e *models.Event) { e.DuplicateOf = "LX-2026-000001" })},
		{"duplicate without a note", ev(models.ActMarkDuplicate, "→ LX-2026-000001."),
			with(ev(models.ActMarkDuplicate, ""), func(e *models.Event) { e.DuplicateOf = "LX-2026-000001" })},
		{"duplicate without the full stop", ev(models.ActMarkDuplicate, "→ LX-2026-000001"), ev(models.ActMarkDuplicate, "→ LX-2026-000001")},
		{"assign with a note", ev(models.ActAssign, "→ user.o1. ưu tiên"),
			with(ev(models.ActAssign, "ưu tiên"), func(e *models.Event) { e.Assignee = "user.o1" })},
		{"assign without a note", ev(models.ActAssign, "→ o1."),
			with(ev(models.ActAssign, ""), func(e *models.Event) { e.Assignee = "o1" })},
		{"approval with a note", ev(models.ActApproveExt, "→ 2026-12-02T10:00:00+07:00. đồng ý"),
			with(ev(models.ActApproveExt, "đồng ý"), func(e *models.Event) { e.DueAt = due })},
		{"approval without a note", ev(models.ActApproveExt, "→ 2026-12-02T10:00:00+07:00."),
			with(ev(models.ActApproveExt, ""), func(e *models.Event) { e.DueAt = due })},
		{"approval with a bad time", ev(models.ActApproveExt, "→ ngày mai. đồng ý"), ev(models.ActApproveExt, "→ ngày mai. đồng ý")},
		{"extension request", ev(models.ActRequestExt, "→ 2026-12-02T10:00:00+07:00: chờ vật tư"),
			with(ev(models.ActRequestExt, ""), func(e *models.Event) { e.DueAt, e.Reason = due, "chờ vật tư" })},
		{"rating with a comment", ev(models.ActRate, "4/5 tốt"),
			with(ev(models.ActRate, "tốt"), func(e *models.Event) { e.Rating = 4 })},
		{"rating alone", ev(models.ActRate, "1/5"),
			with(ev(models.ActRate, ""), func(e *models.Event) { e.Rating = 1 })},
		{"rating out of range", ev(models.ActRate, "7/5 tốt"), ev(models.ActRate, "7/5 tốt")},
		{"reminder", ev(models.ActRemind, "deadline approaching: 2026-12-02T10:00:00+07:00"),
			with(ev(models.ActRemind, ""), func(e *models.Event) { e.DueAt = due })},
		{"first escalation", ev(models.ActEscalate, "deadline passed: escalated to the unit leader"),
			with(ev(models.ActEscalate, ""), func(e *models.Event) { e.EscalationLevel = 1 })},
		{"second escalation", ev(models.ActEscalate, "still overdue: escalated to the IOC"),
			with(ev(models.ActEscalate, ""), func(e *models.Event) { e.EscalationLevel = 2 })},
		{"unknown escalation", ev(models.ActEscalate, "escalated"), ev(models.ActEscalate, "escalated")},
		{"auto close", ev(models.ActAutoClose, "closed without a rating after the reopen window"), ev(models.ActAutoClose, "")},
		{"merged follower", with(ev(models.ActFollow, "duplicate merged"), func(e *models.Event) { e.ActorRole, e.ActorID = models.RoleSystem, "" }),
			with(ev(models.ActFollow, ""), func(e *models.Event) {
				e.ActorRole, e.ActorID, e.Reason = models.RoleSystem, "", models.FollowDuplicateMerged
			})},
		{"a note is a note", ev(models.ActNote, "→ LX-2026-000001. xem"), ev(models.ActNote, "→ LX-2026-000001. xem")},
		{"already typed", with(ev(models.ActReject, "other: x"), func(e *models.Event) { e.Reason = "duplicate" }),
			with(ev(models.ActReject, "other: x"), func(e *models.Event) { e.Reason = "duplicate" })},
	}
}

func TestUpgradeEvent(t *testing.T) {
	for _, tc := range upgradeCases() {
		t.Run(tc.name, func(t *testing.T) {
			tk := &models.Ticket{UnitID: "u2", History: []models.Event{tc.in}}
			changed := Upgrade(tk)
			if diff := cmp.Diff(tc.want, tk.History[0]); diff != "" {
				t.Errorf("Upgrade (-want +got):\n%s", diff)
			}
			if want := !cmp.Equal(tc.want, tc.in); changed != want {
				t.Errorf("Upgrade reported %v, want %v", changed, want)
			}
			if Upgrade(tk) {
				t.Errorf("a second Upgrade changed %+v again", tk.History[0])
			}
		})
	}
}

// TestUpgradeTicket checks what needs the ticket: the unit ids of transfers (from the units it
// left, in order), a unit name holding " (", and a pending extension request's reason.
func TestUpgradeTicket(t *testing.T) {
	at := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	due := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	ev := func(a models.Action, note string) models.Event {
		return models.Event{At: at, ActorRole: models.RoleIOCOperator, Action: a, Note: note, Visibility: models.Public}
	}
	typed := func(e models.Event, f func(*models.Event)) models.Event {
		f(&e)
		return e
	}
	tk := &models.Ticket{
		UnitID: "u3", UnitName: "UBND phường Mỹ Xuyên (cũ)", TransferredFrom: []string{"u1", "u2"},
		Extension: &models.ExtensionRequest{DueAt: due, Reason: "chờ vật tư", RequestedAt: at},
		History: []models.Event{
			ev(models.ActSubmit, ""),
			ev(models.ActTransfer, "→ UBND phường Bình Khánh (sai địa bàn). chuyển giúp"),
			ev(models.ActTransfer, "→ UBND phường Mỹ Xuyên (cũ) (về đúng nơi)."),
			ev(models.ActRequestExt, "→ 2026-12-02T10:00:00+07:00: chờ vật tư thêm một tuần"),
		},
	}
	want := []models.Event{
		ev(models.ActSubmit, ""),
		typed(ev(models.ActTransfer, "chuyển giúp"), func(e *models.Event) {
			e.UnitID, e.UnitName, e.Reason = "u2", "UBND phường Bình Khánh", "sai địa bàn"
		}),
		typed(ev(models.ActTransfer, ""), func(e *models.Event) {
			e.UnitID, e.UnitName, e.Reason = "u3", "UBND phường Mỹ Xuyên (cũ)", "về đúng nơi"
		}),
		typed(ev(models.ActRequestExt, "thêm một tuần"), func(e *models.Event) { e.DueAt, e.Reason = due, "chờ vật tư" }),
	}
	if !Upgrade(tk) {
		t.Fatal("Upgrade changed nothing")
	}
	if diff := cmp.Diff(want, tk.History); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}

	// With a list of earlier units that does not match the transfers, no unit id is guessed.
	tk = &models.Ticket{UnitID: "u3", TransferredFrom: []string{"u1"}, History: []models.Event{
		ev(models.ActTransfer, "→ A (x)."), ev(models.ActTransfer, "→ B (y)."),
	}}
	Upgrade(tk)
	for _, e := range tk.History {
		if e.UnitID != "" || e.UnitName == "" {
			t.Errorf("transfer %+v: want a unit name and no id", e)
		}
	}
}

// readHistories reads "CODE {event JSON}" lines (after a version column when versioned) into
// histories by ticket code, and the codes in order of appearance.
func readHistories(t *testing.T, path string, versioned bool) (map[string][]models.Event, []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, codes := map[string][]models.Event{}, []string(nil)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		code, js, _ := strings.Cut(line, " ")
		if versioned {
			_, js, _ = strings.Cut(js, " ")
		}
		var e models.Event
		if err := json.Unmarshal([]byte(js), &e); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if _, ok := out[code]; !ok {
			codes = append(codes, code)
		}
		out[code] = append(out[code], e)
	}
	return out, codes
}

// TestUpgradeEqualsTheNewWriter upgrades the history the previous release wrote for the
// scripted flow of app's TestHistoryEvents (testdata/previous_release_events.txt, recorded with
// that release) and compares it with what this release writes for the same flow
// (app/testdata/history_events.golden): event for event, the same.
func TestUpgradeEqualsTheNewWriter(t *testing.T) {
	old, codes := readHistories(t, filepath.Join("testdata", "previous_release_events.txt"), false)
	current, _ := readHistories(t, filepath.Join("..", "..", "..", "app", "testdata", "history_events.golden"), true)
	// The one transfer of the flow, from the ward it was filed in to the ward it moved to.
	transferred := map[string]*models.Ticket{"LX-2026-000006": {TransferredFrom: []string{"longxuyen-2023.30280.ubnd"},
		UnitID: "longxuyen-2023.30286.ubnd", UnitName: "UBND phường Mỹ Xuyên"}}
	for _, code := range codes {
		tk := &models.Ticket{}
		if x, ok := transferred[code]; ok {
			tk = x
		}
		tk.History = old[code]
		Upgrade(tk)
		if diff := cmp.Diff(current[code], tk.History); diff != "" {
			t.Errorf("%s (-written now +upgraded):\n%s", code, diff)
		}
	}
}
