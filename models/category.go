package models

import (
	"fmt"
	"time"
)

// Group is the domain a category belongs to; statistics and the IOC group by it.
type Group string

// Category groups.
const (
	GroupANTT      Group = "antt"       // public security and order
	GroupASXH      Group = "asxh"       // social welfare
	GroupDoThi     Group = "do_thi"     // urban order and infrastructure
	GroupMoiTruong Group = "moi_truong" // environment
	GroupGiaoThong Group = "giao_thong" // traffic
	GroupKhac      Group = "khac"       // other
)

// SLAUnit says how a deadline is counted. Working time skips nights, weekends and public holidays
// (see Calendar); clock hours do not, for urgent matters that cannot wait for office hours.
type SLAUnit string

// Deadline units.
const (
	WorkingHours SLAUnit = "working_hours"
	WorkingDays  SLAUnit = "working_days"
	ClockHours   SLAUnit = "clock_hours"
)

// SLA is one deadline rule, e.g. {3, working_days}.
type SLA struct {
	Value int     `json:"value" jsonschema:"required,minimum=1,maximum=10000"`
	Unit  SLAUnit `json:"unit" jsonschema:"required"`
}

// Validate checks the rule is usable.
func (s SLA) Validate() error {
	if s.Value <= 0 {
		return fmt.Errorf("sla value must be positive, got %d", s.Value)
	}
	switch s.Unit {
	case WorkingHours, WorkingDays, ClockHours:
		return nil
	}
	return fmt.Errorf("unknown sla unit %q", s.Unit)
}

// Due computes the deadline of the rule for something that starts at start.
func (s SLA) Due(c *Calendar, start time.Time) time.Time {
	switch s.Unit {
	case WorkingDays:
		return c.AddWorkingDays(start, s.Value)
	case WorkingHours:
		return c.AddWorkingTime(start, time.Duration(s.Value)*time.Hour)
	default:
		return start.Add(time.Duration(s.Value) * time.Hour).In(c.Location())
	}
}

// Priority separates urgent categories (emergency guidance, short clock deadlines) from routine.
type Priority string

// Priorities.
const (
	PriorityNormal Priority = "normal"
	PriorityUrgent Priority = "urgent"
)

// Category is a kind of report: who handles it, how fast, and whether it is private by default.
type Category struct {
	Code        string   `json:"code"`
	Group       Group    `json:"group"`
	Name        string   `json:"name"`
	NameEN      string   `json:"name_en"`
	Description string   `json:"description,omitempty"`
	UnitKind    UnitKind `json:"unit_kind" jsonschema_description:"the kind of unit that handles it (cong_an, ubnd, vhxh, …)"`
	CityLevel   bool     `json:"city_level,omitempty" jsonschema_description:"routed to the city's unit of unit_kind rather than the ward's"` // routes to the city unit of UnitKind, not the ward's
	Priority    Priority `json:"priority" jsonschema:"enum=normal,enum=urgent"`
	TriageSLA   SLA      `json:"triage_sla"`
	ResolveSLA  SLA      `json:"resolve_sla"`
	Private     bool     `json:"private_by_default" jsonschema_description:"reports of this category are private: never in public views"`
	// ContactAllowed lets the unit see the reporter's name and phone when the resident allowed
	// contact; false for categories where an identified informant would be at risk.
	ContactAllowed bool        `json:"contact_allowed" jsonschema_description:"the unit may see the reporter's contact when they allow it"`
	Emergency      string      `json:"emergency_number,omitempty" jsonschema_description:"113, 114 or 115: call it instead when in danger"` // 113, 114, 115 guidance for urgent classes
	Attributes     []Attribute `json:"attributes,omitempty"`
	Active         bool        `json:"active" jsonschema_description:"false: no new reports"`
	// PolicyVersion numbers the category's deadline and privacy policy: 1 at creation, one
	// more at every edit of those fields. A ticket keeps the version it was filed under; 0 in
	// documents written before versions existed means 1.
	PolicyVersion int `json:"policy_version,omitempty" jsonschema_description:"the version of its deadline and privacy policy"`

	// InfoWaitDays caps, in working days, how long a ticket may wait for the resident's answer
	// (awaiting_info) with its deadline paused: a unit must not keep a report paused forever by
	// asking a question. 0 (and absent in stored documents) means DefaultInfoWaitDays.
	InfoWaitDays int `json:"info_wait_days,omitempty" jsonschema:"minimum=0,maximum=365" jsonschema_description:"how many working days a ticket may wait for the resident's answer (awaiting_info, deadline paused) before info_wait_policy applies; 0 or absent: 5. The resident is reminded halfway"`
	// InfoWaitPolicy is what happens at the cap: close the ticket as no_response (the default,
	// "" in stored documents) or return it to the unit with its clock running again.
	InfoWaitPolicy InfoWaitPolicy `json:"info_wait_policy,omitempty" jsonschema:"enum=close,enum=return" jsonschema_description:"at the cap: close (the default) closes the ticket with outcome no_response, which the resident may reopen within the reopen window; return sends it back to the unit (in_progress) with its deadline running again"`
}

// InfoWaitPolicy is what the SLA worker does with a ticket still awaiting the resident's
// answer when the category's cap (Category.InfoWaitDays) is reached.
type InfoWaitPolicy string

// Info-wait policies.
const (
	// InfoWaitClose closes the ticket with outcome no_response; the resident may still reopen
	// it within the reopen window.
	InfoWaitClose InfoWaitPolicy = "close"
	// InfoWaitReturn sends it back to the unit (in_progress), whose clock resumes.
	InfoWaitReturn InfoWaitPolicy = "return"
)

// DefaultInfoWaitDays is the cap of a wait for the resident when a category sets none.
const DefaultInfoWaitDays = 5

// InfoWait is the category's cap on a wait for the resident, in working days.
func (c *Category) InfoWait() int {
	if c.InfoWaitDays <= 0 {
		return DefaultInfoWaitDays
	}
	return c.InfoWaitDays
}

// InfoWaitAction is the category's policy at the cap, close when unset.
func (c *Category) InfoWaitAction() InfoWaitPolicy {
	if c.InfoWaitPolicy == "" {
		return InfoWaitClose
	}
	return c.InfoWaitPolicy
}

// Policy is the policy version, 1 for categories stored before versions existed.
func (c *Category) Policy() int { return max(c.PolicyVersion, 1) }

// SamePolicy reports whether c and o have the same deadline and privacy policy: the fields
// whose change makes a new policy version (the cap on waiting for the resident included).
func (c *Category) SamePolicy(o *Category) bool {
	return c.TriageSLA == o.TriageSLA && c.ResolveSLA == o.ResolveSLA && c.Private == o.Private &&
		c.ContactAllowed == o.ContactAllowed && c.Priority == o.Priority &&
		c.InfoWait() == o.InfoWait() && c.InfoWaitAction() == o.InfoWaitAction()
}

// Attribute is an optional extra question of a category (Open311 service definition attribute).
type Attribute struct {
	Code        string   `json:"code" jsonschema:"required"`
	Datatype    string   `json:"datatype" jsonschema:"required"` // string | number | text | singlevaluelist | ...
	Required    bool     `json:"required"`
	Description string   `json:"description"`
	Values      []string `json:"values,omitempty"`
}
