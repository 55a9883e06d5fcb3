package seed

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"phananh/models"
)

var (
	groups = []models.Group{
		models.GroupANTT, models.GroupASXH, models.GroupDoThi,
		models.GroupMoiTruong, models.GroupGiaoThong, models.GroupKhac,
	}
	// Open311 GeoReport v2 attribute datatypes (GeoReport v2).
	datatypes    = []string{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
	attrCodeRe   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	emergencyNos = []string{"111", "113", "114", "115"}
)

// TestCategoryInvariants applies every rule to every category of the catalog.
func TestCategoryInvariants(t *testing.T) {
	cityUnits := map[models.UnitKind]models.Unit{}
	for _, u := range CityUnits() {
		cityUnits[u.Kind] = u
	}

	checks := []struct {
		name  string
		check func(c models.Category) error
	}{
		{"triage sla valid", func(c models.Category) error { return c.TriageSLA.Validate() }},
		{"resolve sla valid", func(c models.Category) error { return c.ResolveSLA.Validate() }},
		{"group known", func(c models.Category) error {
			if !slices.Contains(groups, c.Group) {
				return fmt.Errorf("unknown group %q", c.Group)
			}
			return nil
		}},
		{"names present", func(c models.Category) error {
			for field, v := range map[string]string{"Name": c.Name, "NameEN": c.NameEN, "Description": c.Description} {
				if strings.TrimSpace(v) == "" || !utf8.ValidString(v) {
					return fmt.Errorf("%s is empty or not UTF-8: %q", field, v)
				}
			}
			return nil
		}},
		{"priority known", func(c models.Category) error {
			if c.Priority != models.PriorityNormal && c.Priority != models.PriorityUrgent {
				return fmt.Errorf("unknown priority %q", c.Priority)
			}
			return nil
		}},
		{"active", func(c models.Category) error {
			if !c.Active {
				return fmt.Errorf("inactive")
			}
			return nil
		}},
		{"ward unit kind", func(c models.Category) error {
			if !c.CityLevel && !slices.Contains(models.WardUnitKinds, c.UnitKind) {
				return fmt.Errorf("ward-level category with non-ward unit kind %q", c.UnitKind)
			}
			return nil
		}},
		{"city unit exists", cityUnitExists(cityUnits)},
		{"antt and asxh private", checkPrivateGroups},
		{"urgent guidance", checkUrgentGuidance},
		{"attributes", checkAttributes},
	}

	for _, c := range Categories() {
		t.Run(c.Code, func(t *testing.T) {
			for _, ch := range checks {
				if err := ch.check(c); err != nil {
					t.Errorf("%s: %v", ch.name, err)
				}
			}
		})
	}
}

// cityUnitExists checks that a city-level category is routed to a city unit the seed creates.
func cityUnitExists(cityUnits map[models.UnitKind]models.Unit) func(c models.Category) error {
	return func(c models.Category) error {
		if !c.CityLevel {
			return nil
		}
		u, ok := cityUnits[c.UnitKind]
		if !ok {
			return fmt.Errorf("no city unit of kind %q", c.UnitKind)
		}
		if u.ID != models.CityUnitID(c.UnitKind) {
			return fmt.Errorf("city unit id %q, want %q", u.ID, models.CityUnitID(c.UnitKind))
		}
		if slices.Contains(models.WardUnitKinds, c.UnitKind) {
			return fmt.Errorf("city-level category uses ward kind %q", c.UnitKind)
		}
		return nil
	}
}

// checkPrivateGroups checks that security (ANTT) and social-welfare (ASXH) categories go to the
// police and welfare units and are private by default.
func checkPrivateGroups(c models.Category) error {
	switch c.Group {
	case models.GroupANTT:
		if !strings.HasPrefix(c.Code, "ANTT.") || c.UnitKind != models.UnitCongAn {
			return fmt.Errorf("antt category %s with unit kind %q", c.Code, c.UnitKind)
		}
	case models.GroupASXH:
		if !strings.HasPrefix(c.Code, "ASXH.") || c.UnitKind != models.UnitVHXH {
			return fmt.Errorf("asxh category %s with unit kind %q", c.Code, c.UnitKind)
		}
	default:
		return nil
	}
	if !c.Private {
		return fmt.Errorf("%s reports must be private by default", c.Group)
	}
	return nil
}

// checkUrgentGuidance checks that urgent categories, and only they, give an emergency number and
// are triaged within an hour.
func checkUrgentGuidance(c models.Category) error {
	switch {
	case c.Priority == models.PriorityUrgent && !slices.Contains(emergencyNos, c.Emergency):
		return fmt.Errorf("urgent category with emergency number %q", c.Emergency)
	case c.Priority == models.PriorityNormal && c.Emergency != "":
		return fmt.Errorf("routine category with emergency number %q", c.Emergency)
	case c.Priority == models.PriorityUrgent && c.TriageSLA != (models.SLA{Value: 1, Unit: models.ClockHours}):
		return fmt.Errorf("urgent category triaged in %+v", c.TriageSLA)
	}
	return nil
}

// checkAttributes checks the Open311 attributes of a category: codes, datatypes, descriptions and
// value lists.
func checkAttributes(c models.Category) error {
	seen := map[string]bool{}
	for _, a := range c.Attributes {
		if !attrCodeRe.MatchString(a.Code) {
			return fmt.Errorf("attribute code %q is not a lower-case identifier", a.Code)
		}
		if seen[a.Code] {
			return fmt.Errorf("duplicate attribute code %q", a.Code)
		}
		seen[a.Code] = true
		if !slices.Contains(datatypes, a.Datatype) {
			return fmt.Errorf("attribute %s: unknown datatype %q", a.Code, a.Datatype)
		}
		if strings.TrimSpace(a.Description) == "" {
			return fmt.Errorf("attribute %s: empty description", a.Code)
		}
		list := strings.HasSuffix(a.Datatype, "valuelist")
		if list != (len(a.Values) > 0) {
			return fmt.Errorf("attribute %s: datatype %s with %d values", a.Code, a.Datatype, len(a.Values))
		}
		vals := map[string]bool{}
		for _, v := range a.Values {
			if strings.TrimSpace(v) == "" || vals[v] {
				return fmt.Errorf("attribute %s: empty or duplicate value %q", a.Code, v)
			}
			vals[v] = true
		}
	}
	return nil
}

// TestCatalog checks properties of the catalog as a whole.
func TestCatalog(t *testing.T) {
	cats := Categories()

	codes := map[string]bool{}
	perGroup := map[models.Group]int{}
	withAttrs := 0
	for _, c := range cats {
		if codes[c.Code] {
			t.Errorf("duplicate code %q", c.Code)
		}
		codes[c.Code] = true
		perGroup[c.Group]++
		if len(c.Attributes) > 0 {
			withAttrs++
		}
	}

	for _, tc := range []struct {
		group models.Group
		min   int
	}{
		{models.GroupANTT, 5},
		{models.GroupASXH, 5},
	} {
		if perGroup[tc.group] < tc.min {
			t.Errorf("group %s has %d categories, want at least %d", tc.group, perGroup[tc.group], tc.min)
		}
	}
	if withAttrs < 3 {
		t.Errorf("%d categories carry attributes, want at least 3", withAttrs)
	}

	// Every code of the city's category list.
	var want []string
	for i := 1; i <= 12; i++ {
		want = append(want, fmt.Sprintf("ANTT.%02d", i), fmt.Sprintf("ASXH.%02d", i))
	}
	want = append(want, "TTDT", "TTXD", "MT", "GT", "CS", "DL", "CN", "TN", "CX", "VT", "VTCC",
		"YT", "GD", "HCC", "TT", "DD", "KHAC")
	for _, code := range want {
		if !codes[code] {
			t.Errorf("catalog lacks %s", code)
		}
	}
	if len(cats) != len(want) {
		t.Errorf("catalog has %d categories, want %d", len(cats), len(want))
	}
}

// TestDeadlineClasses pins the deadline class of representative categories (the deadline classes).
func TestDeadlineClasses(t *testing.T) {
	var (
		clock1  = models.SLA{Value: 1, Unit: models.ClockHours}
		clock3  = models.SLA{Value: 3, Unit: models.ClockHours}
		work4h  = models.SLA{Value: 4, Unit: models.WorkingHours}
		work8h  = models.SLA{Value: 8, Unit: models.WorkingHours}
		days3   = models.SLA{Value: 3, Unit: models.WorkingDays}
		days7   = models.SLA{Value: 7, Unit: models.WorkingDays}
		byCode  = map[string]models.Category{}
		urgent  = models.PriorityUrgent
		routine = models.PriorityNormal
	)
	for _, c := range Categories() {
		byCode[c.Code] = c
	}
	tests := []struct {
		code      string
		priority  models.Priority
		triage    models.SLA
		resolve   models.SLA
		emergency string
		cityLevel bool
	}{
		{"ANTT.01", urgent, clock1, clock3, "113", false}, // ongoing disorder
		{"ANTT.02", urgent, clock1, clock3, "113", false}, // racing at night
		{"ANTT.03", urgent, clock1, clock3, "113", false}, // theft
		{"ANTT.09", urgent, clock1, clock3, "114", false}, // fire
		{"ANTT.12", urgent, clock1, clock3, "113", false}, // child abuse
		{"CX", urgent, clock1, clock3, "114", false},      // fallen trees
		{"TT", urgent, clock1, clock3, "114", false},      // disasters
		{"ASXH.08", urgent, clock1, work4h, "114", false}, // relief: iHanoi khẩn
		{"YT", urgent, clock1, work4h, "115", false},      // epidemics
		{"ANTT.05", routine, work8h, days3, "", false},
		{"ASXH.01", routine, work8h, days3, "", false},
		{"MT", routine, work8h, days3, "", false},
		{"KHAC", routine, work8h, days3, "", false},
		{"TTXD", routine, work8h, days7, "", false}, // construction order
		{"TTDT", routine, work8h, days7, "", false}, // urban order
		{"DD", routine, work8h, days7, "", false},   // land
		{"DL", routine, work8h, days3, "", true},
		{"CN", routine, work8h, days3, "", true},
		{"CS", routine, work8h, days3, "", true},
		{"VT", routine, work8h, days3, "", true},
		{"VTCC", routine, work8h, days3, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			c, ok := byCode[tc.code]
			if !ok {
				t.Fatalf("no category %s", tc.code)
			}
			if c.Priority != tc.priority || c.TriageSLA != tc.triage || c.ResolveSLA != tc.resolve ||
				c.Emergency != tc.emergency || c.CityLevel != tc.cityLevel {
				t.Errorf("got priority %s triage %+v resolve %+v emergency %q city %v; want %s %+v %+v %q %v",
					c.Priority, c.TriageSLA, c.ResolveSLA, c.Emergency, c.CityLevel,
					tc.priority, tc.triage, tc.resolve, tc.emergency, tc.cityLevel)
			}
		})
	}
}

// TestCategoriesFresh makes sure callers cannot corrupt the catalog for each other.
func TestCategoriesFresh(t *testing.T) {
	a := Categories()
	a[0].Name = "changed"
	for i := range a {
		for j := range a[i].Attributes {
			a[i].Attributes[j].Code = "changed"
			for k := range a[i].Attributes[j].Values {
				a[i].Attributes[j].Values[k] = "changed"
			}
		}
	}
	for _, c := range Categories() {
		if c.Name == "changed" {
			t.Fatalf("%s: name changed through an earlier result", c.Code)
		}
		for _, at := range c.Attributes {
			if at.Code == "changed" || slices.Contains(at.Values, "changed") {
				t.Fatalf("%s: attributes changed through an earlier result", c.Code)
			}
		}
	}
	u := CityUnits()
	u[0].Name = "changed"
	if CityUnits()[0].Name == "changed" {
		t.Fatal("city units changed through an earlier result")
	}
}

func TestCityUnits(t *testing.T) {
	units := CityUnits()
	ids := map[string]bool{}
	for _, u := range units {
		t.Run(u.ID, func(t *testing.T) {
			if ids[u.ID] {
				t.Errorf("duplicate id")
			}
			ids[u.ID] = true
			if u.ID != models.CityUnitID(u.Kind) {
				t.Errorf("id %q, want %q", u.ID, models.CityUnitID(u.Kind))
			}
			if slices.Contains(models.WardUnitKinds, u.Kind) {
				t.Errorf("city unit of ward kind %q", u.Kind)
			}
			if strings.TrimSpace(u.Name) == "" || strings.TrimSpace(u.NameEN) == "" {
				t.Errorf("empty name: %+v", u)
			}
			if u.BoundarySet != "" || u.AreaCode != "" {
				t.Errorf("city unit bound to an area: %+v", u)
			}
		})
	}

	ioc := models.CityUnitID(models.UnitIOC)
	i := slices.IndexFunc(units, func(u models.Unit) bool { return u.ID == ioc })
	if i < 0 {
		t.Fatalf("no %s unit", ioc)
	}
	if units[i].Name != "Trung tâm Giám sát, điều hành đô thị thông minh" || units[i].NameEN != "Intelligent Operations Center" {
		t.Errorf("IOC named %q / %q", units[i].Name, units[i].NameEN)
	}

	// No unit nobody routes to, apart from the IOC.
	used := map[models.UnitKind]bool{models.UnitIOC: true}
	for _, c := range Categories() {
		if c.CityLevel {
			used[c.UnitKind] = true
		}
	}
	for _, u := range units {
		if !used[u.Kind] {
			t.Errorf("city unit %s is used by no category", u.ID)
		}
	}
}
