package tests

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// catUnit is a unit as /v1/admin/units shows it.
type catUnit struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	NameEN   string `json:"name_en"`
	AreaCode string `json:"area_code"`
	Disabled bool   `json:"disabled"`
}

// catCategory is a category as /v1/admin/categories and /v1/categories show it.
type catCategory struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	TriageSLA struct {
		Value int    `json:"value"`
		Unit  string `json:"unit"`
	} `json:"triage_sla"`
	PolicyVersion int  `json:"policy_version"`
	Active        bool `json:"active"`
}

// catTicket is what these tests read of a ticket.
type catTicket struct {
	ID            string `json:"id"`
	Category      string `json:"category"`
	PolicyVersion int    `json:"policy_version"`
	CreatedAt     string `json:"created_at"`
	TriageDueAt   string `json:"triage_due_at"`
	Unit          struct{ ID string }
}

// catalogFixture is a server with an administrator, a resident and an officer of ward x.
type catalogFixture struct {
	s        *server
	st       storeKind
	admin    string
	resident string
	officer  string
	x, y     wardPoint
}

// TestCatalogAdministration edits categories, units and routing rules through the admin API and
// the command line, on both stores: a deadline edit changes new tickets only and an old ticket
// still shows its policy version; overrides route; refusals change nothing; another instance
// (or the command line) sees changes without a restart; a restart keeps every edit.
func TestCatalogAdministration(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		fx := &catalogFixture{s: s, st: st, x: ward(set, 5), y: ward(set, 6),
			admin: s.createOfficial("admin", "cat.admin", "").AccessToken, resident: s.signInResident("0913100001").AccessToken}
		fx.officer = s.createOfficial("officer", "cat.officer", unitOf(fx.x.code, "ubnd")).AccessToken
		t.Run("deadline edit applies to new tickets only", fx.policyVersions)
		t.Run("routing overrides", fx.routing)
		t.Run("units", fx.units)
		t.Run("new category", fx.newCategory)
		t.Run("bad input changes nothing", fx.badInput)
		t.Run("deactivate", fx.deactivate)
		t.Run("other instances and the command line", fx.elsewhere)
		t.Run("restart keeps edits", fx.restart)
	})
}

// file files a TTDT-like report of category in area p and reads it back as the reporter.
func (fx *catalogFixture) file(t *testing.T, category string, p wardPoint) catTicket {
	t.Helper()
	var tk catTicket
	fx.s.request(t, "POST", "/v1/tickets", fx.resident, wfReport(category, p, "Lấn chiếm vỉa hè "+category, false)).
		expect(t, http.StatusCreated).json(t, &tk)
	return tk
}

// read reads a ticket with token.
func (fx *catalogFixture) read(t *testing.T, token, id string) catTicket {
	t.Helper()
	var tk catTicket
	fx.s.request(t, "GET", "/v1/tickets/"+id, token, nil).expect(t, http.StatusOK).json(t, &tk)
	return tk
}

// category reads one category from the admin list.
func (fx *catalogFixture) category(t *testing.T, s *server, code string) catCategory {
	t.Helper()
	var out struct{ Categories []catCategory }
	s.request(t, "GET", "/v1/admin/categories", fx.admin, nil).expect(t, http.StatusOK).json(t, &out)
	for _, c := range out.Categories {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("no category %s", code)
	return catCategory{}
}

// policyVersions: a ticket filed before a deadline edit keeps version 1 and its deadline; one
// filed after gets version 2 and the new deadline; both versions are kept.
func (fx *catalogFixture) policyVersions(t *testing.T) {
	s := fx.s
	before := fx.file(t, "TTDT", fx.x)
	if before.PolicyVersion != 1 {
		t.Fatalf("ticket filed under the shipped policy: version %d", before.PolicyVersion)
	}
	var edited catCategory
	s.request(t, "PATCH", "/v1/admin/categories/TTDT", fx.admin, map[string]any{"triage_sla": map[string]any{"value": 1, "unit": "clock_hours"}}).
		expect(t, http.StatusOK).json(t, &edited)
	if edited.PolicyVersion != 2 || edited.TriageSLA.Value != 1 || edited.TriageSLA.Unit != "clock_hours" {
		t.Fatalf("edited category %+v", edited)
	}
	after := fx.file(t, "TTDT", fx.x)
	if after.PolicyVersion != 2 {
		t.Errorf("ticket filed after the edit: version %d, want 2", after.PolicyVersion)
	}
	created, _ := time.Parse(time.RFC3339Nano, after.CreatedAt)
	due, _ := time.Parse(time.RFC3339Nano, after.TriageDueAt)
	if due.Sub(created) != time.Hour {
		t.Errorf("new ticket's triage deadline %s after filing, want 1h clock", due.Sub(created))
	}
	for _, tok := range []string{fx.resident, fx.officer} {
		if old := fx.read(t, tok, before.ID); old.PolicyVersion != 1 || old.TriageDueAt != before.TriageDueAt {
			t.Errorf("old ticket now %+v, want version 1 and triage due %s", old, before.TriageDueAt)
		}
	}
	var pol struct{ Policies []catCategory }
	s.request(t, "GET", "/v1/admin/categories/TTDT/policies", fx.admin, nil).expect(t, http.StatusOK).json(t, &pol)
	if len(pol.Policies) != 2 || pol.Policies[0].PolicyVersion != 1 || pol.Policies[0].TriageSLA.Unit == "clock_hours" ||
		pol.Policies[1].PolicyVersion != 2 {
		t.Errorf("kept policies %+v", pol.Policies)
	}
	if !slices.ContainsFunc(auditRecords(t, s, fx.admin, "category_update"), func(r auditRecord) bool {
		return r.SubjectID == "TTDT" && strings.Contains(r.Detail, "triage_sla") && strings.Contains(r.Detail, "policy_version \"1\"→\"2\"")
	}) {
		t.Error("the edit is not audited with the values before and after")
	}
}

// routing: an override sends the category in that area to its unit; removed, the ward's unit
// takes it again; other areas are untouched.
func (fx *catalogFixture) routing(t *testing.T) {
	s := fx.s
	target := unitOf(fx.x.code, "vhxh")
	s.request(t, "POST", "/v1/admin/routing-rules", fx.admin, map[string]string{"category": "TTDT", "area_code": fx.x.code, "unit_id": target}).
		expect(t, http.StatusOK)
	var rules struct {
		RoutingRules []struct{ Category, UnitID string } `json:"routing_rules"`
	}
	s.request(t, "GET", "/v1/admin/routing-rules", fx.admin, nil).expect(t, http.StatusOK).json(t, &rules)
	if len(rules.RoutingRules) != 1 {
		t.Errorf("routing rules %+v", rules)
	}
	if got := fx.file(t, "TTDT", fx.x).Unit.ID; got != target {
		t.Errorf("overridden: routed to %s, want %s", got, target)
	}
	if got := fx.file(t, "TTDT", fx.y).Unit.ID; got != unitOf(fx.y.code, "ubnd") {
		t.Errorf("another area: routed to %s", got)
	}
	s.request(t, "DELETE", "/v1/admin/routing-rules?category=TTDT&area_code="+fx.x.code, fx.admin, nil).expect(t, http.StatusNoContent)
	if got := fx.file(t, "TTDT", fx.x).Unit.ID; got != unitOf(fx.x.code, "ubnd") {
		t.Errorf("override removed: routed to %s", got)
	}
	if len(auditRecords(t, s, fx.admin, "routing_rule_put")) != 1 || len(auditRecords(t, s, fx.admin, "routing_rule_delete")) != 1 {
		t.Error("routing changes are not audited")
	}
}

// units: create, rename, disable and enable; disabling the only unit of categories in an area is
// refused, naming them, and allowed once an override takes them elsewhere.
func (fx *catalogFixture) units(t *testing.T) {
	s := fx.s
	var u catUnit
	s.request(t, "POST", "/v1/admin/units", fx.admin, map[string]string{"id": "city.moi_truong", "kind": "moi_truong",
		"name": "Công ty Môi trường đô thị", "name_en": "Urban Environment Company"}).expect(t, http.StatusCreated).json(t, &u)
	s.request(t, "PATCH", "/v1/admin/units/city.moi_truong", fx.admin, map[string]any{"name": "Công ty CP Môi trường", "disabled": true}).
		expect(t, http.StatusOK).json(t, &u)
	if u.Name != "Công ty CP Môi trường" || !u.Disabled || u.NameEN != "Urban Environment Company" {
		t.Errorf("renamed and disabled unit %+v", u)
	}
	e := refused(t, s.request(t, "POST", "/v1/admin/routing-rules", fx.admin,
		map[string]string{"category": "TTDT", "area_code": fx.x.code, "unit_id": "city.moi_truong"}), http.StatusBadRequest, "invalid", "unit_id")
	if !strings.Contains(e.Error.Message, "vô hiệu hóa") {
		t.Errorf("override to a disabled unit: %q", e.Error.Message)
	}
	tk := fx.file(t, "TTDT", fx.x)
	refused(t, act(t, s, fx.officer, tk.ID, 1, "transfer", fields{"reason": "Sai đơn vị", "unit": "city.moi_truong"}),
		http.StatusUnprocessableEntity, "unprocessable", "unit")
	s.request(t, "PATCH", "/v1/admin/units/city.moi_truong", fx.admin, map[string]any{"disabled": false}).expect(t, http.StatusOK)

	ward := unitOf(fx.x.code, "ubnd")
	e = refused(t, s.request(t, "PATCH", "/v1/admin/units/"+ward, fx.admin, map[string]any{"disabled": true}), http.StatusConflict, "conflict", "")
	if !strings.Contains(e.Error.Message, "TTDT in area "+fx.x.code) {
		t.Errorf("refusal to orphan categories: %q", e.Error.Message)
	}
	// A disabled unit's reports go to the IOC: the new unit takes TTDT in x, then the ward's
	// unit can be disabled without orphaning TTDT (other categories still need it).
	s.request(t, "POST", "/v1/admin/routing-rules", fx.admin, map[string]string{"category": "TTDT", "area_code": fx.x.code, "unit_id": "city.moi_truong"}).
		expect(t, http.StatusOK)
	e = refused(t, s.request(t, "PATCH", "/v1/admin/units/"+ward, fx.admin, map[string]any{"disabled": true}), http.StatusConflict, "conflict", "")
	if strings.Contains(e.Error.Message, "TTDT in") {
		t.Errorf("TTDT named although an override covers it: %q", e.Error.Message)
	}
	if got := fx.file(t, "TTDT", fx.x).Unit.ID; got != "city.moi_truong" {
		t.Errorf("routed to %s, want the override's unit", got)
	}
	s.request(t, "DELETE", "/v1/admin/routing-rules?category=TTDT&area_code="+fx.x.code, fx.admin, nil).expect(t, http.StatusNoContent)
	if len(auditRecords(t, s, fx.admin, "unit_update")) < 2 || len(auditRecords(t, s, fx.admin, "unit_create")) != 1 {
		t.Error("unit changes are not audited")
	}
}

// newCategory: a category created through the API is offered, routed and filed under policy
// version 1, with its attributes in Open311.
func (fx *catalogFixture) newCategory(t *testing.T) {
	s := fx.s
	var c catCategory
	s.request(t, "POST", "/v1/admin/categories", fx.admin, map[string]any{
		"code": "DT.CAYXANH", "group": "do_thi", "name": "Cây xanh gãy đổ", "name_en": "Fallen trees", "unit_kind": "ubnd",
		"priority": "urgent", "triage_sla": map[string]any{"value": 2, "unit": "clock_hours"},
		"resolve_sla": map[string]any{"value": 1, "unit": "working_days"}, "private_by_default": false, "contact_allowed": true,
		"attributes": []map[string]any{{"code": "blocking", "datatype": "singlevaluelist", "required": false,
			"description": "Cản trở giao thông?", "values": []string{"co", "khong"}}},
	}).expect(t, http.StatusCreated).json(t, &c)
	if c.PolicyVersion != 1 || !c.Active {
		t.Errorf("created category %+v", c)
	}
	var pub struct{ Categories []catCategory }
	s.request(t, "GET", "/v1/categories", "", nil).expect(t, http.StatusOK).json(t, &pub)
	if !slices.ContainsFunc(pub.Categories, func(c catCategory) bool { return c.Code == "DT.CAYXANH" }) {
		t.Error("the new category is not offered")
	}
	tk := fx.file(t, "DT.CAYXANH", fx.y)
	if tk.PolicyVersion != 1 || tk.Unit.ID != unitOf(fx.y.code, "ubnd") {
		t.Errorf("ticket of the new category %+v", tk)
	}
	if r := s.request(t, "GET", "/open311/v2/services/DT.CAYXANH.json", "", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), "blocking") {
		t.Errorf("Open311 definition of the new category: %d %s", r.status, r.body)
	}
	if len(auditRecords(t, s, fx.admin, "category_create")) != 1 {
		t.Error("the creation is not audited")
	}
}

// snapshot is the administrators' view of the catalog, to compare before and after refusals.
func (fx *catalogFixture) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/v1/admin/units", "/v1/admin/categories", "/v1/admin/routing-rules", "/v1/categories"} {
		b.Write(fx.s.request(t, "GET", p, fx.admin, nil).expect(t, http.StatusOK).body)
	}
	return b.String()
}

// badInput: every refusal names the problem and changes nothing.
func (fx *catalogFixture) badInput(t *testing.T) {
	s, x := fx.s, fx.x.code
	before := fx.snapshot(t)
	sla := func(v int, unit string) map[string]any { return map[string]any{"value": v, "unit": unit} }
	newCat := func(code, name string) map[string]any {
		return map[string]any{"code": code, "group": "khac", "name": name, "name_en": "New", "unit_kind": "ubnd",
			"triage_sla": sla(4, "working_hours"), "resolve_sla": sla(3, "working_days")}
	}
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"unit without a name", "POST", "/v1/admin/units", map[string]string{"id": "city.x", "kind": "x"}, 400, "invalid", "name"},
		{"unit with a taken id", "POST", "/v1/admin/units", map[string]string{"id": "city.ioc", "kind": "ioc", "name": "IOC 2"}, 409, "conflict", "id"},
		{"unit in an unknown area", "POST", "/v1/admin/units", map[string]string{"id": "w.x", "kind": "ubnd", "name": "X", "area_code": "nowhere"}, 400, "invalid", "area_code"},
		{"unit with an unknown field", "POST", "/v1/admin/units", map[string]string{"id": "w.y", "kind": "ubnd", "name": "Y", "parent": "z"}, 400, "invalid", ""},
		{"unknown unit", "PATCH", "/v1/admin/units/no.such", map[string]string{"name": "Z"}, 404, "not_found", ""},
		{"unit renamed to nothing", "PATCH", "/v1/admin/units/city.ioc", map[string]string{"name": " "}, 400, "invalid", "name"},
		{"disable the IOC", "PATCH", "/v1/admin/units/city.ioc", map[string]any{"disabled": true}, 409, "conflict", "disabled"},
		{"rule of an unknown category", "POST", "/v1/admin/routing-rules", map[string]string{"category": "NOPE", "area_code": x, "unit_id": "city.ioc"}, 400, "invalid", "category"},
		{"rule in an unknown area", "POST", "/v1/admin/routing-rules", map[string]string{"category": "TTDT", "area_code": "nowhere", "unit_id": "city.ioc"}, 400, "invalid", "area_code"},
		{"rule to an unknown unit", "POST", "/v1/admin/routing-rules", map[string]string{"category": "TTDT", "area_code": x, "unit_id": "no.such"}, 400, "invalid", "unit_id"},
		{"remove a missing rule", "DELETE", "/v1/admin/routing-rules?category=TTDT&area_code=" + x, nil, 404, "not_found", ""},
		{"category with a taken code", "POST", "/v1/admin/categories", newCat("TTDT", "Trùng"), 409, "conflict", "code"},
		{"category without a name", "POST", "/v1/admin/categories", newCat("new.cat", ""), 400, "invalid", "name"},
		{"category without an English name", "POST", "/v1/admin/categories", func() map[string]any {
			c := newCat("new.cat", "Mới")
			delete(c, "name_en")
			return c
		}(), 400, "invalid", "name_en"},
		{"category of a kind no unit has", "POST", "/v1/admin/categories", func() map[string]any {
			c := newCat("new.cat", "Mới")
			c["unit_kind"] = "nobody"
			return c
		}(), 400, "invalid", "unit_kind"},
		{"zero deadline", "PATCH", "/v1/admin/categories/TTDT", map[string]any{"triage_sla": sla(0, "working_hours")}, 400, "invalid", "triage_sla"},
		{"deadline in weeks", "PATCH", "/v1/admin/categories/TTDT", map[string]any{"resolve_sla": sla(2, "weeks")}, 400, "invalid", "resolve_sla"},
		{"unknown group", "PATCH", "/v1/admin/categories/TTDT", map[string]any{"group": "nope"}, 400, "invalid", "group"},
		{"category with an unknown field", "PATCH", "/v1/admin/categories/TTDT", map[string]any{"unit_kind": "vhxh"}, 400, "invalid", ""},
		{"unknown category", "PATCH", "/v1/admin/categories/NOPE", map[string]any{"name": "x"}, 404, "not_found", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refused(t, s.request(t, c.method, c.path, fx.admin, c.body), c.status, c.code, c.field)
		})
	}
	if after := fx.snapshot(t); after != before {
		t.Errorf("refused requests changed the catalog:\nbefore %s\nafter  %s", before, after)
	}
}

// deactivate: a deactivated category leaves GET /v1/categories and is refused for new reports;
// its tickets keep it; activated again it is offered again.
func (fx *catalogFixture) deactivate(t *testing.T) {
	s := fx.s
	old := fx.file(t, "TTDT", fx.x)
	s.request(t, "PATCH", "/v1/admin/categories/TTDT", fx.admin, map[string]any{"active": false}).expect(t, http.StatusOK)
	var pub struct{ Categories []catCategory }
	s.request(t, "GET", "/v1/categories", "", nil).expect(t, http.StatusOK).json(t, &pub)
	if slices.ContainsFunc(pub.Categories, func(c catCategory) bool { return c.Code == "TTDT" }) {
		t.Error("a deactivated category is still offered")
	}
	refused(t, s.request(t, "POST", "/v1/tickets", fx.resident, wfReport("TTDT", fx.x, "Lấn chiếm", false)), http.StatusUnprocessableEntity, "unprocessable", "category")
	if got := fx.read(t, fx.resident, old.ID); got.Category != "TTDT" || got.PolicyVersion != old.PolicyVersion {
		t.Errorf("old ticket of a deactivated category %+v", got)
	}
	s.request(t, "PATCH", "/v1/admin/categories/TTDT", fx.admin, map[string]any{"active": true}).expect(t, http.StatusOK)
	fx.file(t, "TTDT", fx.x)
}

// elsewhere: a change made by the command line, or (MongoDB) on another instance, is served
// without a restart within a few seconds.
func (fx *catalogFixture) elsewhere(t *testing.T) {
	s := fx.s
	if out, err := s.admin("", "unit", "rename", "--id", "city.cap_nuoc", "--name", "Công ty Cấp nước (CLI)"); err != nil {
		t.Fatalf("admin unit rename: %v %s", err, out)
	}
	waitFor(t, "the server to serve the command line's rename", 10*time.Second, func() bool {
		return strings.Contains(string(s.request(t, "GET", "/v1/units", fx.admin, nil).body), "Công ty Cấp nước (CLI)")
	})
	out, err := s.admin("", "route", "add", "--category", "TTDT", "--area", fx.x.code, "--unit", unitOf(fx.x.code, "cong_an"))
	if err != nil {
		t.Fatalf("admin route add: %v %s", err, out)
	}
	if out, err = s.admin("", "route", "list"); err != nil || !strings.Contains(out, unitOf(fx.x.code, "cong_an")) {
		t.Errorf("admin route list: %v %s", err, out)
	}
	waitFor(t, "the server to serve the command line's rule", 10*time.Second, func() bool {
		return strings.Contains(string(s.request(t, "GET", "/v1/admin/routing-rules", fx.admin, nil).body), unitOf(fx.x.code, "cong_an"))
	})
	if got := fx.file(t, "TTDT", fx.x).Unit.ID; got != unitOf(fx.x.code, "cong_an") {
		t.Errorf("routed to %s after the command line's rule", got)
	}
	if out, err = s.admin("", "route", "remove", "--category", "TTDT", "--area", fx.x.code); err != nil {
		t.Errorf("admin route remove: %v %s", err, out)
	}
	if out, err = s.admin("", "category", "list"); err != nil || !strings.Contains(out, "TTDT") || !strings.Contains(out, "v2") {
		t.Errorf("admin category list: %v %s", err, out)
	}
	if _, err = s.admin("", "unit", "disable", "--id", unitOf(fx.x.code, "ubnd")); err == nil || !strings.Contains(err.Error(), "without a unit") {
		t.Errorf("admin unit disable of a needed unit: %v", err)
	}
	fx.commandLineEdits(t)
	if fx.st.mongo == nil {
		return
	}
	other := startServer(t, storeKind{name: "mongodb"}, sameStore(s)...)
	s.request(t, "PATCH", "/v1/admin/categories/TTDT", fx.admin, map[string]any{"name": "Trật tự đô thị (sửa)"}).expect(t, http.StatusOK)
	waitFor(t, "the other instance to serve the edit", 10*time.Second, func() bool {
		return strings.Contains(string(other.request(t, "GET", "/v1/categories", "", nil).body), "Trật tự đô thị (sửa)")
	})
	other.stop()
}

// commandLineEdits: admin category edit|deactivate|activate and unit create|disable|enable act
// like the API and refuse what it refuses.
func (fx *catalogFixture) commandLineEdits(t *testing.T) {
	s := fx.s
	if _, err := s.admin("", "category", "edit", "--code", "ANTT.01", "--triage", "0:weeks"); err == nil || !strings.Contains(err.Error(), "triage_sla") {
		t.Errorf("admin category edit with a bad deadline: %v", err)
	}
	out, err := s.admin("", "category", "edit", "--code", "ANTT.01", "--triage", "2:clock_hours", "--contact", "false")
	if err != nil || !strings.Contains(out, "policy version 2") {
		t.Errorf("admin category edit: %v %s", err, out)
	}
	out, err = s.admin("", "category", "edit", "--code", "ANTT.01", "--info-wait", "3", "--info-wait-policy", "return")
	if err != nil || !strings.Contains(out, "policy version 3") || !strings.Contains(out, "info wait 3 days then return") {
		t.Errorf("admin category edit of the wait for the resident: %v %s", err, out)
	}
	if _, err := s.admin("", "category", "edit", "--code", "ANTT.01", "--info-wait-policy", "forget"); err == nil || !strings.Contains(err.Error(), "info_wait_policy") {
		t.Errorf("admin category edit with an unknown info-wait policy: %v", err)
	}
	for _, verb := range []string{"deactivate", "activate"} {
		if out, err := s.admin("", "category", verb, "--code", "ANTT.01"); err != nil {
			t.Errorf("admin category %s: %v %s", verb, err, out)
		}
	}
	if out, err := s.admin("", "unit", "create", "--id", "city.cay_xanh", "--kind", "cay_xanh", "--name", "Công ty Cây xanh"); err != nil {
		t.Errorf("admin unit create: %v %s", err, out)
	}
	for _, verb := range []string{"disable", "enable"} {
		if out, err := s.admin("", "unit", verb, "--id", "city.cay_xanh"); err != nil || !strings.Contains(out, verb+"d") {
			t.Errorf("admin unit %s: %v %s", verb, err, out)
		}
	}
	waitFor(t, "the server to serve the command line's category edit", 10*time.Second, func() bool {
		c := fx.category(t, s, "ANTT.01")
		return c.PolicyVersion == 3 && c.TriageSLA.Unit == "clock_hours" && c.Active
	})
	if n := len(auditRecords(t, s, fx.admin, "category_update")); n < 4 {
		t.Errorf("%d category_update records, want the command line's too", n)
	}
}

// restart: edits made through the API and the command line survive a restart on the same data.
func (fx *catalogFixture) restart(t *testing.T) {
	s := fx.s
	s.request(t, "PATCH", "/v1/admin/units/city.ioc", fx.admin, map[string]any{"name": "IOC Long Xuyên (sửa)"}).expect(t, http.StatusOK)
	s.stop()
	again := startServer(t, storeKind{name: fx.st.name}, sameDataDir(s)...)
	fx.s = again
	if c := fx.category(t, again, "TTDT"); c.PolicyVersion != 2 || c.TriageSLA.Unit != "clock_hours" {
		t.Errorf("category after a restart %+v", c)
	}
	var units struct{ Units []catUnit }
	again.request(t, "GET", "/v1/admin/units", fx.admin, nil).expect(t, http.StatusOK).json(t, &units)
	names := map[string]string{}
	for _, u := range units.Units {
		names[u.ID] = u.Name
	}
	if names["city.ioc"] != "IOC Long Xuyên (sửa)" || names["city.cap_nuoc"] != "Công ty Cấp nước (CLI)" || names["city.moi_truong"] == "" {
		t.Errorf("units after a restart: ioc %q, cap_nuoc %q, moi_truong %q", names["city.ioc"], names["city.cap_nuoc"], names["city.moi_truong"])
	}
	if got := fx.file(t, "TTDT", fx.x); got.PolicyVersion != 2 {
		t.Errorf("ticket filed after a restart: policy version %d", got.PolicyVersion)
	}
}
