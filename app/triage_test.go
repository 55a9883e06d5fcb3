package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/app"
	"phananh/models"
)

// triageRig is one app with an injected clock and the principals of the triage tests.
type triageRig struct {
	ctx      context.Context
	now      time.Time
	svc      *app.App
	resident models.Principal
	ioc      models.Principal
}

func newTriageRig(t *testing.T) *triageRig {
	t.Helper()
	r := &triageRig{ctx: context.Background(), now: vn("2026-11-25 08:00"), // Wednesday morning
		resident: models.Principal{UserID: "r1", Role: models.RoleResident},
		ioc:      models.Principal{UserID: "ioc", Role: models.RoleIOCOperator}}
	r.svc = newServiceOn(t, newStore(t, r.now), &r.now, nil)
	return r
}

// file files a report of category in ward 30280 at the rig's clock.
func (r *triageRig) file(t *testing.T, category string) *models.Ticket {
	t.Helper()
	tk, _, err := r.svc.Tickets.FileReport(r.ctx, r.resident, models.ReportInput{Category: category,
		Description: "kiểm thử phân loại lại " + category, Location: inside(t, r.svc, "30280")})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// act performs an action on the ticket's current version and returns the ticket after it.
func (r *triageRig) act(t *testing.T, p models.Principal, id string, in app.ActionInput) (*models.Ticket, error) {
	t.Helper()
	cur, err := r.svc.Tickets.Ticket(r.ctx, r.ioc, id)
	if err != nil {
		t.Fatal(err)
	}
	in.ExpectedVersion = cur.Version
	return r.svc.Tickets.Act(r.ctx, p, id, in)
}

func (r *triageRig) mustAct(t *testing.T, p models.Principal, id string, in app.ActionInput) *models.Ticket {
	t.Helper()
	tk, err := r.act(t, p, id, in)
	if err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
	return tk
}

// TestRecategorizeAppliesTheNewPolicyFromFiling recategorizes two days after filing: the
// deadlines become exactly those of a report filed under the new category at the same moment
// (the clock started at filing), the privacy and the unit follow the new category, and the
// event records both categories.
func TestRecategorizeAppliesTheNewPolicyFromFiling(t *testing.T) {
	r := newTriageRig(t)
	ref := map[string]*models.Ticket{}
	for _, c := range []string{"MT", "ANTT.05"} {
		ref[c] = r.file(t, c) // filed at the same moment: the deadlines the recategorized must get
	}
	tests := []struct {
		name, to    string
		wantPrivate bool
		wantMoved   bool
	}{
		{"same unit, shorter allowance", "MT", false, false},
		{"another unit, private by policy", "ANTT.05", true, true},
	}
	r.now = vn("2026-11-25 08:00")
	tickets := map[string]*models.Ticket{}
	for _, tc := range tests {
		tickets[tc.name] = r.file(t, "TTDT")
	}
	r.now = vn("2026-11-27 10:00") // Friday: two working days spent
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tickets[tc.name]
			got := r.mustAct(t, r.ioc, before.ID, app.ActionInput{Action: models.ActRecategorize, Category: tc.to, Reason: "Sai lĩnh vực"})
			want := ref[tc.to]
			if diff := cmp.Diff([]time.Time{want.TriageDueAt, want.ResolveDueAt}, []time.Time{got.TriageDueAt, got.ResolveDueAt}); diff != "" {
				t.Errorf("deadlines (-from filing under %s +got):\n%s", tc.to, diff)
			}
			if got.Category != tc.to || got.Group != want.Group || got.Private != tc.wantPrivate || got.State != before.State {
				t.Errorf("category %s group %s private %v state %s; want %s %s %v %s", got.Category, got.Group, got.Private, got.State,
					tc.to, want.Group, tc.wantPrivate, before.State)
			}
			moved := got.UnitID != before.UnitID
			if moved != tc.wantMoved || got.UnitID != want.UnitID {
				t.Errorf("unit %s (was %s), want %s", got.UnitID, before.UnitID, want.UnitID)
			}
			if moved && !slices.Contains(got.TransferredFrom, before.UnitID) {
				t.Errorf("the unit left (%s) keeps no read access: transferred_from %v", before.UnitID, got.TransferredFrom)
			}
			ev := got.History[len(got.History)-1]
			wantEv := models.Event{Action: models.ActRecategorize, Category: tc.to, PrevCategory: "TTDT", Reason: "Sai lĩnh vực",
				Visibility: models.Public, From: before.State, To: before.State}
			if moved {
				wantEv.UnitID, wantEv.UnitName = got.UnitID, got.UnitName
			}
			gotEv := models.Event{Action: ev.Action, Category: ev.Category, PrevCategory: ev.PrevCategory, Reason: ev.Reason,
				Visibility: ev.Visibility, From: ev.From, To: ev.To, UnitID: ev.UnitID, UnitName: ev.UnitName}
			if diff := cmp.Diff(wantEv, gotEv); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRecategorizeCountsTheTimeWaitingForTheResident: the working time the ticket waited for an
// answer is added back, as it was for a report filed under the new category with the same pause.
func TestRecategorizeCountsTheTimeWaitingForTheResident(t *testing.T) {
	r := newTriageRig(t)
	officer := models.Principal{UserID: "o1", Role: models.RoleLeader}
	tk, ref := r.file(t, "TTDT"), r.file(t, "MT")
	officer.UnitID = tk.UnitID
	for _, id := range []string{tk.ID, ref.ID} {
		r.now = vn("2026-11-25 09:00")
		r.mustAct(t, officer, id, app.ActionInput{Action: models.ActAccept})
		r.mustAct(t, officer, id, app.ActionInput{Action: models.ActRequestInfo, Note: "Số nhà?"})
		r.now = vn("2026-11-26 09:00")
		r.mustAct(t, r.resident, id, app.ActionInput{Action: models.ActProvideInfo, Note: "Số 12"})
	}
	r.now = vn("2026-11-26 10:00")
	got := r.mustAct(t, r.ioc, tk.ID, app.ActionInput{Action: models.ActRecategorize, Category: "MT", Reason: "Sai lĩnh vực"})
	want, err := r.svc.Tickets.Ticket(r.ctx, r.ioc, ref.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ResolveDueAt.Equal(want.ResolveDueAt) {
		t.Errorf("resolve due %s, want %s (MT from filing, plus the day waiting)", got.ResolveDueAt.In(models.VietnamTime), want.ResolveDueAt.In(models.VietnamTime))
	}
}

// TestTriageCorrectionsRefused: who may not, what is missing or wrong, and when — each refused
// with its error and nothing changed.
func TestTriageCorrectionsRefused(t *testing.T) {
	r := newTriageRig(t)
	tk := r.file(t, "TTDT")
	private := r.file(t, "ANTT.05")
	officer := models.Principal{UserID: "o1", Role: models.RoleOfficer, UnitID: tk.UnitID}
	leader := models.Principal{UserID: "l1", Role: models.RoleLeader, UnitID: tk.UnitID}
	recat := func(cat, reason string) app.ActionInput {
		return app.ActionInput{Action: models.ActRecategorize, Category: cat, Reason: reason}
	}
	tests := []struct {
		name        string
		p           models.Principal
		id          string
		in          app.ActionInput
		wantCode    string
		wantProblem string
	}{
		{"resident recategorizes", r.resident, tk.ID, recat("MT", "x"), models.EForbidden, ""},
		{"officer recategorizes", officer, tk.ID, recat("MT", "x"), models.EForbidden, ""},
		{"no reason", r.ioc, tk.ID, recat("MT", " "), models.EInvalid, ""},
		{"no category", r.ioc, tk.ID, recat("", "x"), models.EInvalid, models.ProblemRequired},
		{"unknown category", r.ioc, tk.ID, recat("NOPE", "x"), models.EInvalid, models.ProblemBadEnum},
		{"same category", r.ioc, tk.ID, recat("TTDT", "x"), models.EUnprocessable, ""},
		{"leader sets private", leader, tk.ID, app.ActionInput{Action: models.ActSetPrivate, Reason: "x"}, models.EForbidden, ""},
		{"set_private without reason", r.ioc, tk.ID, app.ActionInput{Action: models.ActSetPrivate}, models.EInvalid, ""},
		{"set_public on a public report", r.ioc, tk.ID, app.ActionInput{Action: models.ActSetPublic, Reason: "x"}, models.EConflict, ""},
		{"set_public on a category private by policy", r.ioc, private.ID, app.ActionInput{Action: models.ActSetPublic, Reason: "x"}, models.EConflict, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, err := r.svc.Tickets.Ticket(r.ctx, r.ioc, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.act(t, tc.p, tc.id, tc.in)
			var e *models.Error
			if !errors.As(err, &e) || e.Code != tc.wantCode || e.Problem != tc.wantProblem {
				t.Fatalf("error %v, want code %s problem %q", err, tc.wantCode, tc.wantProblem)
			}
			after, err := r.svc.Tickets.Ticket(r.ctx, r.ioc, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("a refused action changed the ticket (-before +after):\n%s", diff)
			}
		})
	}
	t.Run("awaiting_info", func(t *testing.T) {
		r.mustAct(t, leader, tk.ID, app.ActionInput{Action: models.ActAccept})
		r.mustAct(t, leader, tk.ID, app.ActionInput{Action: models.ActRequestInfo, Note: "Số nhà?"})
		if _, err := r.act(t, r.ioc, tk.ID, recat("MT", "x")); models.ErrorCode(err) != models.EConflict {
			t.Errorf("recategorize while awaiting_info: %v, want a conflict", err)
		}
	})
}

// TestRecategorizeNeverMakesPublic: a report filed under a private category stays private when
// it is recategorized to a public one — its reporter counted on that — until the IOC makes it
// public with set_public.
func TestRecategorizeNeverMakesPublic(t *testing.T) {
	r := newTriageRig(t)
	tk := r.file(t, "ANTT.05")
	got := r.mustAct(t, r.ioc, tk.ID, app.ActionInput{Action: models.ActRecategorize, Category: "MT", Reason: "Sai lĩnh vực"})
	if !tk.Private || !got.Private || got.Category != "MT" {
		t.Fatalf("filed private %v; after the move to MT: category %s, private %v; want private throughout", tk.Private, got.Category, got.Private)
	}
	if got = r.mustAct(t, r.ioc, tk.ID, app.ActionInput{Action: models.ActSetPublic, Reason: "Đã xem lại"}); got.Private {
		t.Errorf("set_public after the move: still private")
	}
}

// TestSetPrivateAndPublic flips a report's privacy and back; a privacy set by hand survives a
// recategorization to a public category.
func TestSetPrivateAndPublic(t *testing.T) {
	r := newTriageRig(t)
	tk := r.file(t, "TTDT")
	steps := []struct {
		in          app.ActionInput
		wantPrivate bool
	}{
		{app.ActionInput{Action: models.ActSetPrivate, Reason: "Ảnh có mặt người"}, true},
		{app.ActionInput{Action: models.ActRecategorize, Category: "MT", Reason: "Sai lĩnh vực"}, true},
		{app.ActionInput{Action: models.ActSetPublic, Reason: "Đã xem lại"}, false},
	}
	for _, st := range steps {
		got := r.mustAct(t, r.ioc, tk.ID, st.in)
		ev := got.History[len(got.History)-1]
		if got.Private != st.wantPrivate {
			t.Errorf("after %s: private %v, want %v", st.in.Action, got.Private, st.wantPrivate)
		}
		if wantVis := models.Internal; st.in.Action != models.ActRecategorize && ev.Visibility != wantVis {
			t.Errorf("%s event visibility %s, want %s", st.in.Action, ev.Visibility, wantVis)
		}
		if ev.Reason != st.in.Reason || ev.ActorID != r.ioc.UserID {
			t.Errorf("%s event reason %q actor %q", st.in.Action, ev.Reason, ev.ActorID)
		}
	}
}

// TestHideFromPublic replaces the description the public reads: the public view shows the IOC's
// text, the reporter and the officials keep the resident's words, and the internal event keeps
// the replacement and the reason. Refusals change nothing.
func TestHideFromPublic(t *testing.T) {
	r := newTriageRig(t)
	tk := r.file(t, "TTDT")
	leader := models.Principal{UserID: "l1", Role: models.RoleLeader, UnitID: tk.UnitID}
	hide := func(text, reason string) app.ActionInput {
		return app.ActionInput{Action: models.ActHideFromPublic, Description: text, Reason: reason}
	}
	refusals := []struct {
		name        string
		p           models.Principal
		in          app.ActionInput
		wantCode    string
		wantProblem string
	}{
		{"a leader", leader, hide("Lấn chiếm vỉa hè", "x"), models.EForbidden, ""},
		{"no text", r.ioc, hide(" ", "x"), models.EInvalid, models.ProblemRequired},
		{"too long", r.ioc, hide(strings.Repeat("a", models.MaxDescriptionRunes+1), "x"), models.EInvalid, models.ProblemTooLong},
		{"no reason", r.ioc, hide("Lấn chiếm vỉa hè", ""), models.EInvalid, ""},
	}
	for _, tc := range refusals {
		_, err := r.act(t, tc.p, tk.ID, tc.in)
		var e *models.Error
		if !errors.As(err, &e) || e.Code != tc.wantCode || e.Problem != tc.wantProblem {
			t.Errorf("%s: error %v, want code %s problem %q", tc.name, err, tc.wantCode, tc.wantProblem)
		}
	}
	got := r.mustAct(t, r.ioc, tk.ID, hide("Lấn chiếm vỉa hè (đã ẩn biển số xe)", "Ảnh và nội dung có biển số xe"))
	if got.Version != tk.Version+1 || got.Description != tk.Description || got.PublicDescription != "Lấn chiếm vỉa hè (đã ẩn biển số xe)" {
		t.Errorf("version %d, description %q, public %q", got.Version, got.Description, got.PublicDescription)
	}
	if pub := r.svc.Tickets.PublicView(r.ctx, got); pub.Description != got.PublicDescription || pub.PublicDescription != "" {
		t.Errorf("public view: description %q public_description %q, want only the replacement", pub.Description, pub.PublicDescription)
	}
	ev := got.History[len(got.History)-1]
	want := models.Event{Action: models.ActHideFromPublic, Visibility: models.Internal, Reason: "Ảnh và nội dung có biển số xe",
		PublicDescription: got.PublicDescription, ActorID: r.ioc.UserID}
	if diff := cmp.Diff(want, models.Event{Action: ev.Action, Visibility: ev.Visibility, Reason: ev.Reason,
		PublicDescription: ev.PublicDescription, ActorID: ev.ActorID}); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	if _, err := r.act(t, r.ioc, tk.ID, hide(got.PublicDescription, "x")); models.ErrorCode(err) != models.EConflict {
		t.Errorf("the same text again: %v, want a conflict", err)
	}
}
