package models

import (
	"reflect"
	"testing"
)

// TestPersonalDataRegisterCoversModels ties the register to the structs: every field of the
// models that hold personal data is either a row of the register or declared not personal
// here, and every row names a field that exists. A new field must be classified before the
// suite passes, so the records of processing cannot drift from the code.
func TestPersonalDataRegisterCoversModels(t *testing.T) {
	notPersonal := map[string][]string{
		"User":         {"Role", "UnitID", "Disabled", "PasswordChangeRequired", "DisabledReason", "TokenGeneration"},
		"OTPChallenge": {"CreatedAt", "ExpiresAt", "Attempts", "Earlier"},
		"RefreshToken": {"ID", "FamilyID", "CreatedAt", "ExpiresAt", "UsedAt", "RevokedAt"},
		"Consent":      {"ID", "Detail"},
		"Ticket": {"ID", "Code", "State", "Version", "AppliedVersion", "Category", "Group", "Media", "Private",
			"BoundarySet", "AreaCode", "AreaName", "UnitID", "UnitName", "UnitKind", "RoutedByNearest", "RoutingAmbiguous",
			"CreatedAt", "UpdatedAt", "TriageDueAt", "ResolveDueAt", "PolicyVersion", "DueAt", "PausedAt", "PausedRemaining",
			"PausedTotal", "ExtendedFrom", "Extension", "AssignedTo", "TransferredFrom", "DuplicateOf", "RejectReason",
			"Outcome", "ResultNote", "ResultMedia", "Rating", "ReopenCount", "TriagedAt", "ResolvedAt", "ClosedAt",
			"OnTimeClass", "RemindedAt", "EscalationLevel", "NextCheckAt",
			"PublicDescription", // the IOC's text written for the public, to keep personal data out of it
			"InfoRemindAt", "InfoWaitUntil", "E2EDueAt", "E2EAdded", "UnitHolds",
			"Channel", "FiledBy"}, // how the report came, and the official who took it down (like AssignedTo)
		"Media": {"ID", "Kind", "ContentType", "Bytes", "Width", "Height", "SHA256", "BlobBytes", "ThumbBlob", "LargeBlob",
			"TicketID", "CreatedAt"},
		"Device":       {"Platform", "AppVersion", "CreatedAt", "LastSeenAt"},
		"Subscription": {"AreaName", "Topic", "CreatedAt"},
		"PushMessage": {"ID", "TicketID", "Version", "Event", "Topic", "Platform", "Title", "Data", "CollapseKey", "Urgent",
			"TTL", "State", "Attempts", "CreatedAt", "NextAttemptAt", "LeaseHolder", "LeaseUntil", "LastError", "DoneAt"},
		"AuditRecord":  {"ID", "At", "Role", "Action", "Ticket", "Seq", "PrevHash", "Hash"},
		"Notification": {"ID", "TicketID", "Code", "Version", "Event", "TitleEN", "BodyEN", "CreatedAt", "ReadAt"},
	}
	types := map[string]reflect.Type{
		"User": reflect.TypeFor[User](), "OTPChallenge": reflect.TypeFor[OTPChallenge](),
		"RefreshToken": reflect.TypeFor[RefreshToken](), "Consent": reflect.TypeFor[Consent](),
		"Ticket": reflect.TypeFor[Ticket](), "Media": reflect.TypeFor[Media](), "Device": reflect.TypeFor[Device](),
		"Subscription": reflect.TypeFor[Subscription](), "PushMessage": reflect.TypeFor[PushMessage](),
		"AuditRecord": reflect.TypeFor[AuditRecord](), "Notification": reflect.TypeFor[Notification](),
	}
	noStruct := map[string]bool{"Counter": true} // rate-limit counters have no model type
	listed := map[string]bool{}
	for _, r := range PersonalDataRegister() {
		key := r.Model + "." + r.Field
		if listed[key] {
			t.Errorf("register lists %s twice", key)
		}
		listed[key] = true
		if r.SQLite == "" || r.MongoDB == "" || r.Purpose == "" || r.Readers == "" || r.Retention == "" {
			t.Errorf("register row %s leaves a column empty: %+v", key, r)
		}
		typ, ok := types[r.Model]
		if !ok {
			if !noStruct[r.Model] {
				t.Errorf("register row %s names a model the test does not check", key)
			}
			continue
		}
		if _, ok := typ.FieldByName(r.Field); !ok {
			t.Errorf("register row %s names a field %s does not have", key, r.Model)
		}
	}
	for name, typ := range types {
		skip := map[string]bool{}
		for _, f := range notPersonal[name] {
			skip[f] = true
			if _, ok := typ.FieldByName(f); !ok {
				t.Errorf("notPersonal names %s.%s, which does not exist", name, f)
			}
		}
		for i := range typ.NumField() {
			f := typ.Field(i).Name
			if !listed[name+"."+f] && !skip[f] {
				t.Errorf("%s.%s is neither in PersonalDataRegister nor declared not personal: classify it", name, f)
			}
		}
	}
}

func TestMaskPhone(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"+84912345678", "+8491*****78"},
		{"0912345678", "0912****78"},
		{"123", "*****"},
		{"", "*****"},
	} {
		if got := MaskPhone(c.in); got != c.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAcceptedVersion(t *testing.T) {
	acc := func(v int, granted bool) Consent {
		return Consent{Purpose: PurposeAccount, Version: v, Granted: granted}
	}
	contact := Consent{Purpose: PurposeContact, Version: 3, Granted: true}
	for _, c := range []struct {
		name    string
		records []Consent
		want    int
	}{
		{"none", nil, 0},
		{"accepted", []Consent{acc(1, true)}, 1},
		{"newest acceptance counts", []Consent{acc(1, true), acc(2, true)}, 2},
		{"withdrawn last", []Consent{acc(1, true), acc(1, false)}, 0},
		{"other purposes ignored", []Consent{acc(2, true), contact}, 2},
		{"only another purpose", []Consent{contact}, 0},
	} {
		if got := AcceptedVersion(c.records, PurposeAccount); got != c.want {
			t.Errorf("%s: AcceptedVersion = %d, want %d", c.name, got, c.want)
		}
	}
}
