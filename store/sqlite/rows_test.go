package sqlite

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"phananh/models"
)

// The stored documents used to be the models' own JSON. These tests pin that the store's row
// types read what that encoding wrote and write the same keys and values, so existing databases
// need no migration whatever happens to the models' JSON tags.

// requireEverySet fails unless every field of v (a struct, or a pointer to one) is set, looking
// into nested structs, pointers and the first element of slices: a field added to a model
// without a place in its row type then shows up as a test failure, not as data silently lost.
func requireEverySet(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	for i := range v.NumField() {
		f, name := v.Field(i), path+"."+v.Type().Field(i).Name
		if f.IsZero() {
			t.Errorf("fixture leaves %s unset", name)
			continue
		}
		switch {
		case f.Type() == reflect.TypeFor[time.Time]():
		case f.Kind() == reflect.Struct, f.Kind() == reflect.Pointer && f.Elem().Kind() == reflect.Struct:
			requireEverySet(t, name, f)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			requireEverySet(t, name+"[0]", f.Index(0))
		}
	}
}

// sameJSON fails unless got and want are the same JSON value (keys in any order).
func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: decode new document: %v", what, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: decode old document: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: the row type writes\n%s\nthe previous code wrote\n%s", what, got, want)
	}
}

// fullTicket has every field set, times already in UTC milliseconds as the store keeps them.
func fullTicket() *models.Ticket {
	t0 := time.Date(2025, 3, 14, 2, 26, 53, 589_000_000, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	return &models.Ticket{
		ID: "t1", Code: "PA-1", State: models.StateResolved, Version: 7, AppliedVersion: 6,
		Category: "rac_thai", Group: models.GroupMoiTruong, Description: "Rác ùn ứ", Address: "12 Lê Lợi",
		PublicDescription: "Rác ùn ứ (đã ẩn tên)",
		Location:          models.Location{Lat: 10.77, Lng: 106.7, AccuracyM: 12.5}, Media: []string{"m1", "m2"},
		AllowContact: true, Private: true, ReporterID: "u1", IdempotencyKey: "u1/k", BoundarySet: "hcm",
		AreaCode: "26734", AreaName: "Bến Nghé", UnitID: "unit-1", UnitName: "UBND Bến Nghé",
		UnitKind: models.UnitUBND, RoutedByNearest: true, RoutingAmbiguous: true,
		CreatedAt: t0, UpdatedAt: at(1), TriageDueAt: at(2), ResolveDueAt: at(3),
		History: []models.Event{{
			At: t0, ActorRole: models.RoleOfficer, ActorID: "o1", Action: models.ActTransfer,
			From: models.StateAssigned, To: models.StateReceived, Note: "note", Visibility: models.Internal,
			NoteInternal: true, Reason: "wrong unit", Outcome: models.OutcomeFixed, DueAt: at(4),
			UnitID: "unit-2", UnitName: "Công an", Assignee: "officer1", DuplicateOf: "PA-0", MergedFrom: "PA-2",
			Rating: 4, EscalationLevel: 2, Media: []string{"m2"}, Category: "rac_thai", PrevCategory: "TTDT",
			PublicDescription: "Rác ùn ứ trên vỉa hè",
		}},
		DueAt: at(5), PausedAt: at(6), PausedRemaining: 3 * time.Hour, PausedTotal: 5 * time.Hour,
		ExtendedFrom: at(7),
		Extension:    &models.ExtensionRequest{DueAt: at(8), Reason: "parts", RequestedBy: "o1", RequestedAt: at(9)},
		AssignedTo:   "o1", TransferredFrom: []string{"unit-0"}, Followers: []string{"u2"}, DuplicateOf: "PA-0",
		RejectReason: "other", Outcome: models.OutcomeFixed, ResultNote: "done", ResultMedia: []string{"r1"},
		Rating: 5, RatingComment: "thanks", ReopenCount: 1, TriagedAt: at(10), ResolvedAt: at(11),
		ClosedAt: at(12), OnTimeClass: models.LateWithExtension, RemindedAt: at(13), EscalationLevel: 1,
		NextCheckAt: at(14), PolicyVersion: 3, OccurredAt: at(16),
		LegalHold:    &models.LegalHold{Reason: "investigation", By: "ioc1", At: at(15), Phone: "+84912345678", Name: "An"},
		InfoRemindAt: at(17), InfoWaitUntil: at(18),
		E2EDueAt: at(19), E2EAdded: 90 * time.Minute,
		UnitHolds: []models.UnitHold{{UnitID: "unit-0", UnitName: "UBND Đa Kao", From: t0, Until: at(1), Held: time.Hour}},
		Channel:   models.ChannelHotline, FiledBy: "ioc1",
	}
}

func TestTicketRowMatchesPreviousDocuments(t *testing.T) {
	want := fullTicket()
	requireEverySet(t, "Ticket", reflect.ValueOf(want))
	// What the previous code stored: the model's own JSON. With every time set, that is the
	// same under omitempty and omitzero, so it stands for the old documents whatever the tags.
	old, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeTicket(string(old))
	if err != nil {
		t.Fatalf("decode previous document: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("previous document read back as\n%+v\nwant\n%+v", got, want)
	}
	doc, err := ticketDoc(want)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "ticket", []byte(doc), old)
}

// TestRowsKeepZeroTimes pins the documents written for nearly empty values. A ticket document
// is compact (zero times, false flags and public visibility left out, migration 0034); the
// previous code wrote every zero time out as "0001-01-01T00:00:00Z" and every flag, and those
// documents still read back the same. The push document keeps its zero times, byte for byte.
func TestRowsKeepZeroTimes(t *testing.T) {
	const ticketDocV = `{"id":"t2","code":"","state":"","version":0,"applied_version":0,"category":"","group":"",` +
		`"description":"","location":{"lat":0,"lng":0},"private":false,"reporter_id":"",` +
		`"idempotency_key":"","boundary_set":"","area_code":"","area_name":"","unit_id":"","unit_name":"",` +
		`"unit_kind":"","created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z",` +
		`"history":[{"at":"0001-01-01T00:00:00Z","actor_role":"","action":"","to":""},` +
		`{"at":"0001-01-01T00:00:00Z","actor_role":"","action":"","to":"","visibility":"internal"},` +
		`{"at":"0001-01-01T00:00:00Z","actor_role":"","action":"","to":"","visibility":""}]}`
	const previousDocV = `{"id":"t2","code":"","state":"","version":0,"applied_version":0,"category":"","group":"",` +
		`"description":"","location":{"lat":0,"lng":0},"allow_contact":false,"private":false,"reporter_id":"",` +
		`"idempotency_key":"","boundary_set":"","area_code":"","area_name":"","unit_id":"","unit_name":"",` +
		`"unit_kind":"","routed_by_nearest":false,"routing_ambiguous":false,` +
		`"created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z",` +
		`"triage_due_at":"0001-01-01T00:00:00Z","resolve_due_at":"0001-01-01T00:00:00Z",` +
		`"due_at":"0001-01-01T00:00:00Z","paused_at":"0001-01-01T00:00:00Z",` +
		`"extended_from":"0001-01-01T00:00:00Z","triaged_at":"0001-01-01T00:00:00Z",` +
		`"resolved_at":"0001-01-01T00:00:00Z","closed_at":"0001-01-01T00:00:00Z",` +
		`"reminded_at":"0001-01-01T00:00:00Z","next_check_at":"0001-01-01T00:00:00Z",` +
		`"history":[{"at":"0001-01-01T00:00:00Z","actor_role":"","action":"","to":"","visibility":"public"},` +
		`{"at":"0001-01-01T00:00:00Z","actor_role":"","action":"","to":"","visibility":"internal"},` +
		`{"at":"0001-01-01T00:00:00Z","actor_role":"","action":"","to":"","visibility":""}]}`
	ticket := &models.Ticket{ID: "t2", Channel: models.ChannelApp,
		History: []models.Event{{Visibility: models.Public}, {Visibility: models.Internal}, {}}}
	if doc, err := ticketDoc(ticket); err != nil || doc != ticketDocV {
		t.Errorf("ticket document = %s, %v; want %s", doc, err, ticketDocV)
	}
	// A document without a channel (all of them before migration 0028) came through the app; an
	// event without a visibility is public, one with "" is not.
	for _, doc := range []string{ticketDocV, previousDocV} {
		if got, err := decodeTicket(doc); err != nil || !reflect.DeepEqual(got, ticket) {
			t.Errorf("ticket document %s read back as %+v, %v; want %+v", doc, got, err, ticket)
		}
	}

	const pushDocV = `{"id":"m","ticket_id":"","version":0,"event":"","user_id":"","token":"","platform":"",` +
		`"title":"","body":"","data":null,"collapse_key":"","urgent":false,"ttl":0,"state":"","attempts":0,` +
		`"created_at":"0001-01-01T00:00:00Z","next_attempt_at":"0001-01-01T00:00:00Z",` +
		`"lease_until":"0001-01-01T00:00:00Z","done_at":"0001-01-01T00:00:00Z"}`
	msg := models.PushMessage{ID: "m"}
	if doc, err := json.Marshal(pushRowOf(&msg)); err != nil || string(doc) != pushDocV {
		t.Errorf("push document = %s, %v; want %s", doc, err, pushDocV)
	}
	var r pushRow
	if err := json.Unmarshal([]byte(pushDocV), &r); err != nil || !reflect.DeepEqual(r.message(), msg) {
		t.Errorf("previous push document read back as %+v, %v; want %+v", r.message(), err, msg)
	}
}

func TestCategoryRowMatchesPreviousDocuments(t *testing.T) {
	want := models.Category{
		Code: "rac_thai", Group: models.GroupMoiTruong, Name: "Rác thải", NameEN: "Waste",
		Description: "Rác ùn ứ", UnitKind: models.UnitUBND, CityLevel: true, Priority: models.PriorityUrgent,
		TriageSLA: models.SLA{Value: 4, Unit: models.WorkingHours}, ResolveSLA: models.SLA{Value: 3, Unit: models.WorkingDays},
		Private: true, ContactAllowed: true, Emergency: "114",
		Attributes: []models.Attribute{{Code: "size", Datatype: "singlevaluelist", Required: true,
			Description: "How much", Values: []string{"small", "large"}}},
		Active: true, PolicyVersion: 2, InfoWaitDays: 7, InfoWaitPolicy: models.InfoWaitReturn,
	}
	requireEverySet(t, "Category", reflect.ValueOf(want))
	old, err := json.Marshal(&want)
	if err != nil {
		t.Fatal(err)
	}
	var r categoryRow
	if err := json.Unmarshal(old, &r); err != nil {
		t.Fatalf("decode previous document: %v", err)
	}
	if got := r.category(); !reflect.DeepEqual(got, want) {
		t.Errorf("previous document read back as\n%+v\nwant\n%+v", got, want)
	}
	doc, err := json.Marshal(categoryRowOf(&want))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "category", doc, old)
}

func TestPushRowMatchesPreviousDocuments(t *testing.T) {
	t0 := time.Date(2025, 3, 14, 2, 26, 53, 589_000_000, time.UTC)
	want := models.PushMessage{
		ID: "m1", TicketID: "t1", Version: 3, Event: "resolved", UserID: "u1", Token: "tok", Topic: "ward-1",
		Platform: models.PlatformAndroid, Title: "Title", Body: "Body", Data: map[string]string{"ticket_id": "t1"},
		CollapseKey: "t1", Urgent: true, TTL: time.Hour, State: models.PushSent, Attempts: 2,
		CreatedAt: t0, NextAttemptAt: t0.Add(time.Minute), LeaseHolder: "w1", LeaseUntil: t0.Add(2 * time.Minute),
		LastError: "unavailable", DoneAt: t0.Add(3 * time.Minute),
	}
	requireEverySet(t, "PushMessage", reflect.ValueOf(want))
	old, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var r pushRow
	if err := json.Unmarshal(old, &r); err != nil {
		t.Fatalf("decode previous document: %v", err)
	}
	if got := r.message(); !reflect.DeepEqual(got, want) {
		t.Errorf("previous document read back as\n%+v\nwant\n%+v", got, want)
	}
	doc, err := json.Marshal(pushRowOf(&want))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "push message", doc, old)
}
