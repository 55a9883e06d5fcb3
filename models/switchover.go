package models

import "time"

// SwitchOver moves a deployment from one boundary set to another at a given instant: the 2025
// reform replaced Long Xuyên's 13 wards by 4 units, two of them under codes the old map used
// for other wards. At the instant, every instance routes new reports by the new map; the
// instance holding the switch-over lease then re-routes the received tickets by their location,
// moves the tickets in progress to the mapped unit or leaves them where they are (InProgress),
// moves officials of mapped units, and records it all in each ticket's history.
type SwitchOver struct {
	ID      string    `json:"id"`
	FromSet string    `json:"from_set"`
	ToSet   string    `json:"to_set"`
	At      time.Time `json:"at"`
	// UnitMap maps units of the old map to their successors (old unit id → new unit id): every
	// ward unit of FromSet to the unit of the same kind in the new area that holds its interior,
	// unless the administrator named another.
	UnitMap map[string]string `json:"unit_map"`
	// InProgress says what happens to tickets already accepted: InProgressStay keeps them with
	// their unit, InProgressFollow moves them to the mapped unit.
	InProgress string           `json:"in_progress"`
	State      SwitchOverState  `json:"state"`
	CreatedBy  string           `json:"created_by"`
	CreatedAt  time.Time        `json:"created_at"`
	DoneAt     time.Time        `json:"done_at,omitzero"`
	Result     SwitchOverResult `json:"result"`
}

// What a switch-over does with tickets already accepted by a unit.
const (
	InProgressStay   = "stay"
	InProgressFollow = "follow"
)

// SwitchOverState is where a switch-over stands.
type SwitchOverState string

// Switch-over states: scheduled (cancellable), running (past its instant, being carried out by
// the lease holder; a crash leaves it running and the next holder resumes it), done, cancelled.
const (
	SwitchOverScheduled SwitchOverState = "scheduled"
	SwitchOverRunning   SwitchOverState = "running"
	SwitchOverDone      SwitchOverState = "done"
	SwitchOverCancelled SwitchOverState = "cancelled"
)

// SwitchOverResult counts what a switch-over did.
type SwitchOverResult struct {
	Rerouted       int `json:"rerouted"`        // received tickets routed again by their location
	Followed       int `json:"followed"`        // tickets in progress moved to the mapped unit
	Stayed         int `json:"stayed"`          // tickets in progress left with their unit
	Officials      int `json:"officials"`       // officials moved to the mapped unit
	RulesRemoved   int `json:"rules_removed"`   // routing overrides of codes the new map removed or reused
	RulesRewritten int `json:"rules_rewritten"` // routing overrides whose unit was mapped
}
