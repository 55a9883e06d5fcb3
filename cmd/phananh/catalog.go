package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"phananh/app"
	"phananh/models"
)

// catalogFlags declares the flags of the catalog administration commands (admin unit …,
// category …, route …); false: not one of them.
func catalogFlags(fs *flag.FlagSet, f *adminFlags, cmd string) bool {
	switch cmd {
	case "unit list", "category list", "route list":
	case "unit create":
		fs.StringVar(&f.id, "id", "", "unit id, e.g. city.moi_truong")
		fs.StringVar(&f.kind, "kind", "", "unit kind, e.g. ubnd, cong_an, vhxh, cap_nuoc")
		fs.StringVar(&f.name, "name", "", "Vietnamese name")
		fs.StringVar(&f.nameEN, "name-en", "", "English name")
		fs.StringVar(&f.area, "area", "", "area code of the active boundary set (ward units)")
	case "unit rename":
		fs.StringVar(&f.id, "id", "", "unit id (admin unit list)")
		fs.StringVar(&f.name, "name", "", "new Vietnamese name (default: unchanged)")
		fs.StringVar(&f.nameEN, "name-en", "", "new English name (default: unchanged)")
	case "unit disable", "unit enable":
		fs.StringVar(&f.id, "id", "", "unit id (admin unit list)")
	case "category edit":
		fs.StringVar(&f.code, "code", "", "category code (admin category list)")
		fs.StringVar(&f.name, "name", "", "new Vietnamese name")
		fs.StringVar(&f.nameEN, "name-en", "", "new English name")
		fs.StringVar(&f.triage, "triage", "", "triage deadline N:UNIT, e.g. 4:working_hours")
		fs.StringVar(&f.resolve, "resolve", "", "resolution deadline N:UNIT, e.g. 5:working_days")
		fs.StringVar(&f.priority, "priority", "", "normal or urgent")
		fs.StringVar(&f.private, "private", "", "private by default: true or false")
		fs.StringVar(&f.contact, "contact", "", "the unit may see the reporter's phone: true or false")
		fs.StringVar(&f.infoWait, "info-wait", "", "working days a ticket may wait for the resident's answer (default 5)")
		fs.StringVar(&f.infoWaitPolicy, "info-wait-policy", "", "at the cap: close (as no_response) or return (to the unit)")
	case "category deactivate", "category activate":
		fs.StringVar(&f.code, "code", "", "category code (admin category list)")
	case "route add", "route remove":
		fs.StringVar(&f.category, "category", "", "category code")
		fs.StringVar(&f.area, "area", "", "area code of the active boundary set")
		if cmd == "route add" {
			fs.StringVar(&f.unit, "unit", "", "unit id")
		}
	default:
		return false
	}
	return true
}

// adminCatalog runs the catalog administration commands as app.CommandLine, validated and
// audited like the API's; running servers reload the catalog within seconds.
func adminCatalog(ctx context.Context, svc *app.App, noun, verb string, f adminFlags, stdout io.Writer) error {
	by := app.CommandLine()
	switch noun + " " + verb {
	case "unit list":
		return printUnits(svc, stdout)
	case "unit create":
		u, err := svc.Catalog.CreateUnit(ctx, by, app.NewUnit{ID: f.id, Kind: models.UnitKind(f.kind), Name: f.name, NameEN: f.nameEN, AreaCode: f.area})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created unit %s (%s)\n", u.ID, u.Name)
	case "unit rename", "unit disable", "unit enable":
		return adminUnitChange(ctx, svc, verb, f, stdout)
	case "category list":
		return printCategories(svc, stdout)
	case "category edit", "category deactivate", "category activate":
		return adminCategoryChange(ctx, svc, verb, f, stdout)
	case "route list":
		rules, err := svc.Catalog.RoutingRules(by)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CATEGORY\tAREA\tUNIT")
		for _, r := range rules {
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.Category, r.AreaCode, r.UnitID)
		}
		return w.Flush()
	case "route add":
		r := models.RoutingRule{Category: f.category, AreaCode: f.area, UnitID: f.unit}
		if err := svc.Catalog.PutRoutingRule(ctx, by, r); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "category %s in area %s now goes to %s\n", r.Category, r.AreaCode, r.UnitID)
	case "route remove":
		if err := svc.Catalog.DeleteRoutingRule(ctx, by, f.category, f.area); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed the routing rule of category %s in area %s\n", f.category, f.area)
	}
	return nil
}

// printUnits lists every unit (admin unit list).
func printUnits(svc *app.App, stdout io.Writer) error {
	units, err := svc.Catalog.AdminUnits(app.CommandLine())
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tAREA\tSTATE\tNAME\tNAME (EN)")
	for _, u := range units {
		state := "enabled"
		if u.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Kind, orDash(u.AreaCode), state, u.Name, orDash(u.NameEN))
	}
	return w.Flush()
}

// adminUnitChange renames, disables or enables the unit --id.
func adminUnitChange(ctx context.Context, svc *app.App, verb string, f adminFlags, stdout io.Writer) error {
	if f.id == "" {
		return fmt.Errorf("admin unit %s needs --id (see admin unit list)", verb)
	}
	var ch app.UnitChange
	switch verb {
	case "rename":
		if f.name == "" && f.nameEN == "" {
			return fmt.Errorf("admin unit rename needs --name and/or --name-en")
		}
		if f.name != "" {
			ch.Name = &f.name
		}
		if f.nameEN != "" {
			ch.NameEN = &f.nameEN
		}
	default:
		disabled := verb == "disable"
		ch.Disabled = &disabled
	}
	u, err := svc.Catalog.UpdateUnit(ctx, app.CommandLine(), f.id, ch)
	if err != nil {
		return err
	}
	state := "enabled"
	if u.Disabled {
		state = "disabled"
	}
	fmt.Fprintf(stdout, "unit %s: %s (%s), %s\n", u.ID, u.Name, orDash(u.NameEN), state)
	return nil
}

// printCategories lists every category (admin category list).
func printCategories(svc *app.App, stdout io.Writer) error {
	cats, err := svc.Catalog.AdminCategories(app.CommandLine())
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CODE\tGROUP\tUNIT KIND\tTRIAGE\tRESOLVE\tPRIVATE\tCONTACT\tPOLICY\tSTATE\tNAME")
	for _, c := range cats {
		state := "active"
		if !c.Active {
			state = "inactive"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d:%s\t%d:%s\t%t\t%t\tv%d\t%s\t%s\n", c.Code, c.Group, c.UnitKind, c.TriageSLA.Value, c.TriageSLA.Unit,
			c.ResolveSLA.Value, c.ResolveSLA.Unit, c.Private, c.ContactAllowed, c.Policy(), state, c.Name)
	}
	return w.Flush()
}

// adminCategoryChange edits, deactivates or activates the category --code.
func adminCategoryChange(ctx context.Context, svc *app.App, verb string, f adminFlags, stdout io.Writer) error {
	if f.code == "" {
		return fmt.Errorf("admin category %s needs --code (see admin category list)", verb)
	}
	ch, err := categoryChange(verb, f)
	if err != nil {
		return err
	}
	c, err := svc.Catalog.UpdateCategory(ctx, app.CommandLine(), f.code, ch)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "category %s: triage %d:%s, resolve %d:%s, private %t, contact %t, policy version %d, active %t, info wait %d days then %s\n", c.Code,
		c.TriageSLA.Value, c.TriageSLA.Unit, c.ResolveSLA.Value, c.ResolveSLA.Unit, c.Private, c.ContactAllowed, c.Policy(), c.Active,
		c.InfoWait(), c.InfoWaitAction())
	return nil
}

// categoryChange is the change the flags of admin category verb ask for.
func categoryChange(verb string, f adminFlags) (app.CategoryChange, error) {
	var ch app.CategoryChange
	if verb != "edit" {
		active := verb == "activate"
		ch.Active = &active
		return ch, nil
	}
	str := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	ch.Name, ch.NameEN = str(f.name), str(f.nameEN)
	var err error
	if ch.TriageSLA, err = parseSLA("--triage", f.triage); err != nil {
		return ch, err
	}
	if ch.ResolveSLA, err = parseSLA("--resolve", f.resolve); err != nil {
		return ch, err
	}
	if f.priority != "" {
		p := models.Priority(f.priority)
		ch.Priority = &p
	}
	if ch.Private, err = parseBoolFlag("--private", f.private); err != nil {
		return ch, err
	}
	if ch.ContactAllowed, err = parseBoolFlag("--contact", f.contact); err != nil {
		return ch, err
	}
	if f.infoWait != "" {
		n, err := strconv.Atoi(f.infoWait)
		if err != nil {
			return ch, fmt.Errorf("--info-wait must be a whole number of working days")
		}
		ch.InfoWaitDays = &n
	}
	if f.infoWaitPolicy != "" {
		p := models.InfoWaitPolicy(f.infoWaitPolicy)
		ch.InfoWaitPolicy = &p
	}
	return ch, nil
}

// parseSLA reads a deadline flag N:UNIT; nil when unset.
func parseSLA(name, v string) (*models.SLA, error) {
	if v == "" {
		return nil, nil
	}
	n, unit, ok := strings.Cut(v, ":")
	value, err := strconv.Atoi(n)
	if !ok || err != nil {
		return nil, fmt.Errorf("%s must be N:UNIT, e.g. 4:working_hours", name)
	}
	return &models.SLA{Value: value, Unit: models.SLAUnit(unit)}, nil
}

// parseBoolFlag reads a true/false flag; nil when unset.
func parseBoolFlag(name, v string) (*bool, error) {
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, fmt.Errorf("%s must be true or false", name)
	}
	return &b, nil
}
