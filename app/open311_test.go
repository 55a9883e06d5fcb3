package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

func TestScrubText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"gọi 0912345678 nhé", "gọi " + app.RedactedPhone + " nhé"},
		{"gọi 0912 345 678", "gọi " + app.RedactedPhone},
		{"+84 912.345.678 hoặc 0291-3852-123", app.RedactedPhone + " hoặc " + app.RedactedPhone},
		{"84912345678", app.RedactedPhone},
		{"số nhà 123, tổ 4", "số nhà 123, tổ 4"},
		{"ngày 02/03/2026 lúc 22:15", "ngày 02/03/2026 lúc 22:15"},
		{"mã LX-2026-000123", "mã LX-2026-000123"},
		{"SĐT:0912345678.", "SĐT:" + app.RedactedPhone + "."},
		{"id abc0912345678", "id abc0912345678"},
	} {
		if got := app.ScrubText(tc.in); got != tc.want {
			t.Errorf("ScrubText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	tk := &models.Ticket{
		ID: "t1", Code: "LX-2026-000001", State: models.StateInProgress, Category: "MT", Group: models.GroupMoiTruong,
		Description: "Rác trước nhà, gọi 0912345678", Address: "12 Trần Hưng Đạo",
		Location:     models.Location{Lat: 10.3866123, Lng: 105.4352987, AccuracyM: 8},
		Media:        []string{"m1"},
		AllowContact: true, ReporterID: "resident-1", IdempotencyKey: "resident-1/k", Followers: []string{"resident-2"},
		AssignedTo: "officer-1", TransferredFrom: []string{"u-old"}, RatingComment: "cảm ơn anh Bình",
		ResultNote: "Đã thu gom, liên hệ 0291 3852 123", CreatedAt: now, UpdatedAt: now,
		History: []models.Event{
			{At: now, ActorRole: models.RoleResident, ActorID: "resident-1", Action: "submit", To: models.StateReceived, Visibility: models.Public},
			{At: now, ActorRole: models.RoleOfficer, ActorID: "officer-1", Action: "note", Note: "nội bộ", Visibility: models.Internal},
			{At: now, ActorRole: models.RoleOfficer, ActorID: "officer-1", Action: "start", To: models.StateInProgress, Note: "gọi 0912345678", Visibility: models.Public},
			{At: now, ActorRole: models.RoleResident, ActorID: "resident-1", Action: "provide_info", To: models.StateInProgress, Note: "nhà số 5", Visibility: models.Public, NoteInternal: true},
		},
	}
	orig := *tk
	r := app.Redact(tk)
	for _, tc := range []struct {
		what string
		bad  bool
	}{
		{"location not rounded", r.Location.Lat != 10.387 || r.Location.Lng != 105.435 || r.Location.AccuracyM != 0},
		{"address kept", r.Address != ""},
		{"reporter kept", r.ReporterID != "" || r.IdempotencyKey != "" || r.AllowContact},
		{"staff or followers kept", r.AssignedTo != "" || r.TransferredFrom != nil || slices.ContainsFunc(r.Followers, func(f string) bool { return f != "" })},
		{"followers not counted", len(r.Followers) != 1},
		{"media or rating comment kept", r.Media != nil || r.RatingComment != ""},
		{"phone in description", strings.Contains(r.Description, "0912") || !strings.Contains(r.Description, app.RedactedPhone)},
		{"phone in result note", strings.Contains(r.ResultNote, "3852")},
		{"history not public only", len(r.History) != 3 || r.History[1].Note != "gọi "+app.RedactedPhone || r.History[0].ActorID != ""},
		{"resident's internal answer shown", r.History[2].Note != "" || r.History[2].Action != "provide_info"},
		{"public fields lost", r.ID != "t1" || r.Code != tk.Code || r.State != tk.State || r.Category != "MT" || !r.CreatedAt.Equal(now)},
		{"input modified", tk.Address != orig.Address || tk.Location != orig.Location || len(tk.History) != 4 || tk.History[2].Note != "gọi 0912345678"},
	} {
		if tc.bad {
			t.Errorf("Redact: %s: %+v", tc.what, r)
		}
	}
}

func TestOpen311Status(t *testing.T) {
	want := map[models.State]string{
		models.StateReceived: "open", models.StateAssigned: "open", models.StateInProgress: "open", models.StateAwaitingInfo: "open",
		models.StateResolved: "closed", models.StateClosed: "closed", models.StateRejected: "closed",
		models.StateDuplicate: "closed", models.StateWithdrawn: "closed",
	}
	for _, st := range models.States {
		if got := app.Open311Status(st); got != want[st] {
			t.Errorf("Open311Status(%s) = %s, want %s", st, got, want[st])
		}
	}
}

func TestExtendedStatus(t *testing.T) {
	for _, tc := range []struct {
		to      models.State
		action  models.Action
		outcome models.Outcome
		reason  string
		want    string
	}{
		{models.StateReceived, "submit", "", "", "open"},
		{models.StateReceived, "transfer", "", "", "internal_referral"},
		{models.StateAssigned, "accept", "", "", "investigating"},
		{models.StateAwaitingInfo, "request_info", "", "", "investigating"},
		{models.StateInProgress, "start", "", "", "in_progress"},
		{models.StateResolved, "resolve", models.OutcomeFixed, "", "fixed"},
		{models.StateResolved, "resolve", models.OutcomePartiallyFixed, "", "closed"},
		{models.StateResolved, "resolve", models.OutcomeNotFixable, "", "no_further_action"},
		{models.StateResolved, "resolve", models.OutcomeNotResponsible, "", "not_councils_responsibility"},
		{models.StateRejected, "reject", "", "outside_competence", "not_councils_responsibility"},
		{models.StateRejected, "reject", "", "insufficient_info", "no_further_action"},
		{models.StateDuplicate, "mark_duplicate", "", "", "duplicate"},
		{models.StateClosed, "rate", "", "", "closed"},
		{models.StateWithdrawn, "withdraw", "", "", "closed"},
	} {
		tk := &models.Ticket{Outcome: tc.outcome, RejectReason: tc.reason}
		if got := app.ExtendedStatus(tk, models.Event{To: tc.to, Action: tc.action}); got != tc.want {
			t.Errorf("%s to %s (%s %s): %s, want %s", tc.action, tc.to, tc.outcome, tc.reason, got, tc.want)
		}
	}
}

// open311Key creates a machine key and returns its principal.
func open311Key(t *testing.T, svc *app.App, scope models.APIKeyScope) models.Principal {
	t.Helper()
	key, _, err := svc.Auth.CreateAPIKey(context.Background(), app.CommandLine(), app.NewAPIKey{Name: "client", Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Auth.AuthenticateAPIKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpen311Submit(t *testing.T) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	svc := newService(t, &now)
	ctx := context.Background()
	key := open311Key(t, svc, models.ScopeOpen311)
	statsKey := open311Key(t, svc, models.ScopeStats)
	loc := inside(t, svc, "30280")
	lat, lng := loc.Lat, loc.Lng
	ok := func(in app.Open311Submission) app.Open311Submission {
		if in.Lat == nil {
			in.Lat, in.Long = &lat, &lng
		}
		return in
	}
	for _, tc := range []struct {
		name  string
		p     models.Principal
		in    app.Open311Submission
		code  string
		field string
	}{
		{"stats key", statsKey, ok(app.Open311Submission{ServiceCode: "GT", Description: "Ổ gà"}), models.EForbidden, ""},
		{"user", models.Principal{UserID: "u", Role: models.RoleResident}, ok(app.Open311Submission{ServiceCode: "GT", Description: "Ổ gà"}), models.EForbidden, ""},
		{"no service", key, ok(app.Open311Submission{Description: "Ổ gà"}), models.EInvalid, "service_code"},
		{"unknown service", key, ok(app.Open311Submission{ServiceCode: "NOPE", Description: "Ổ gà"}), models.ENotFound, "service_code"},
		{"no location", key, app.Open311Submission{ServiceCode: "GT", Description: "Ổ gà"}, models.EInvalid, "lat"},
		{"address only", key, app.Open311Submission{ServiceCode: "GT", Description: "Ổ gà", AddressString: "12 Lê Lợi"}, models.EInvalid, "lat"},
		{"unknown attribute", key, ok(app.Open311Submission{ServiceCode: "MT", Description: "Rác", Attributes: map[string][]string{"colour": {"đỏ"}}}), models.EInvalid, "attribute[colour]"},
		{"value not in list", key, ok(app.Open311Submission{ServiceCode: "MT", Description: "Rác", Attributes: map[string][]string{"waste_type": {"Sắt"}}}), models.EInvalid, "attribute[waste_type]"},
		{"two values for a single list", key, ok(app.Open311Submission{ServiceCode: "MT", Description: "Rác", Attributes: map[string][]string{"waste_type": {"Mùi hôi", "Nước thải"}}}), models.EInvalid, "attribute[waste_type]"},
		{"not a number", key, ok(app.Open311Submission{ServiceCode: "ASXH.08", Description: "Lũ", Attributes: map[string][]string{"affected_people": {"nhiều"}}}), models.EInvalid, "attribute[affected_people]"},
		{"no description", key, ok(app.Open311Submission{ServiceCode: "GT"}), models.EInvalid, "description"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Open311.Submit(ctx, tc.p, tc.in)
			if models.ErrorCode(err) != tc.code || (tc.field != "" && models.ErrorField(err) != tc.field) {
				t.Fatalf("err %v (field %q), want code %s field %q", err, models.ErrorField(err), tc.code, tc.field)
			}
		})
	}

	a, err := svc.Open311.Submit(ctx, key, ok(app.Open311Submission{ServiceCode: "ASXH.08", Description: "Nhà bị tốc mái",
		Attributes: map[string][]string{"affected_people": {"12"}, "needs": {"Chỗ ở tạm", "Y tế"}}}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Open311.Submit(ctx, key, ok(app.Open311Submission{ServiceCode: "GT", Description: "Ổ gà"}))
	if err != nil {
		t.Fatal(err)
	}
	if a.ReporterID != b.ReporterID || !strings.HasPrefix(a.ReporterID, app.Open311ReporterPref) || a.ReporterID == key.UserID {
		t.Errorf("reporters %q and %q: want one synthetic account per key", a.ReporterID, b.ReporterID)
	}
	if !strings.Contains(a.Description, "Số người bị ảnh hưởng (ước tính): 12") || !strings.Contains(a.Description, "Nhu cầu cần hỗ trợ: Chỗ ở tạm, Y tế") {
		t.Errorf("answers missing from %q", a.Description)
	}
	if a.AreaCode != "30280" || a.UnitKind != models.UnitVHXH || !a.Private || a.State != models.StateReceived {
		t.Errorf("ticket %+v did not go through intake", a)
	}
	notice := app.ServiceNotice(b)
	if !strings.Contains(notice, b.UnitName) || !strings.Contains(notice, b.AreaName) ||
		!strings.Contains(notice, b.ResolveDueAt.In(models.VietnamTime).Format("02/01/2006")) {
		t.Errorf("notice %q lacks the ward or the due date", notice)
	}
	// The private one is invisible to public reads; the public one is there, redacted.
	if _, err := svc.Open311.Request(ctx, a.ID); !models.IsCode(err, models.ENotFound) {
		t.Errorf("private request: %v, want not found", err)
	}
	if r, err := svc.Open311.Request(ctx, b.ID); err != nil || r.ReporterID != "" {
		t.Errorf("public request: %+v, %v", r, err)
	}
	// A token answers like requests/{id}: a private ticket's is not found.
	if id, err := svc.Open311.Token(ctx, a.ID); !models.IsCode(err, models.ENotFound) {
		t.Errorf("private token: %q, %v, want not found", id, err)
	}
	if id, err := svc.Open311.Token(ctx, b.ID); err != nil || id != b.ID {
		t.Errorf("public token: %q, %v", id, err)
	}
}

func TestOpen311RequestWindows(t *testing.T) {
	now := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
	svc := newService(t, &now)
	ctx := context.Background()
	key := open311Key(t, svc, models.ScopeOpen311)
	loc := inside(t, svc, "30280")
	file := func(at time.Time) *models.Ticket {
		t.Helper()
		saved := now
		now = at
		defer func() { now = saved }()
		tk, err := svc.Open311.Submit(ctx, key, app.Open311Submission{ServiceCode: "GT", Description: "Ổ gà", Lat: &loc.Lat, Long: &loc.Lng})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	old := file(now.Add(-100 * 24 * time.Hour))
	recent := file(now.Add(-10 * 24 * time.Hour))
	ids := func(ts []*models.Ticket) []string {
		var out []string
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    app.RequestsQuery
		want []string
		code string
	}{
		{"default: last 90 days", app.RequestsQuery{}, []string{recent.ID}, ""},
		{"start only: 90 days from it", app.RequestsQuery{Start: now.Add(-120 * 24 * time.Hour)}, []string{old.ID}, ""},
		{"end only: 90 days before it", app.RequestsQuery{End: now}, []string{recent.ID}, ""},
		{"both", app.RequestsQuery{Start: now.Add(-101 * 24 * time.Hour), End: now.Add(-12 * 24 * time.Hour)}, []string{old.ID}, ""},
		{"end inclusive", app.RequestsQuery{Start: recent.CreatedAt.Add(-time.Hour), End: recent.CreatedAt}, []string{recent.ID}, ""},
		{"span over 90 days", app.RequestsQuery{Start: now.Add(-101 * 24 * time.Hour), End: now}, nil, models.EInvalid},
		{"end before start", app.RequestsQuery{Start: now, End: now.Add(-time.Hour)}, nil, models.EInvalid},
		{"updated_after alone: no window", app.RequestsQuery{UpdatedAfter: now.Add(-200 * 24 * time.Hour)}, []string{recent.ID, old.ID}, ""},
		{"updated_after is strict", app.RequestsQuery{UpdatedAfter: recent.UpdatedAt}, nil, ""},
		{"ids override the window", app.RequestsQuery{IDs: []string{old.ID}, Statuses: []string{"closed"}}, []string{old.ID}, ""},
		{"bad status", app.RequestsQuery{Statuses: []string{"pending"}}, nil, models.EInvalid},
		{"page size", app.RequestsQuery{UpdatedAfter: now.Add(-200 * 24 * time.Hour), PageSize: 1, Page: 2}, []string{old.ID}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := svc.Open311.Requests(ctx, tc.q)
			if models.ErrorCode(err) != tc.code {
				t.Fatalf("err %v, want %q", err, tc.code)
			}
			if strings.Join(ids(got), ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", ids(got), tc.want)
			}
		})
	}
}
