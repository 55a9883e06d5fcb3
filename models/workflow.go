package models

import (
	"slices"
	"strings"
	"time"
)

// Action is something a person or the system does to a ticket. Every action goes through the
// one transition table below; there is no other way to change a ticket's state.
type Action string

// Actions of the processing flow, grouped by who normally performs them.
const (
	// Triage, by the IOC or the responsible unit.
	ActAccept        Action = "accept"
	ActReject        Action = "reject"
	ActTransfer      Action = "transfer"
	ActMarkDuplicate Action = "mark_duplicate"
	// ActMerge closes the ticket as a duplicate like ActMarkDuplicate and does more on the
	// ticket it names (DuplicateOf, the one kept): the duplicate's photos join the kept one's
	// media, its reporter and followers follow it, and the kept one's history gets an
	// ActMergedFrom event naming the duplicate (app.Tickets.merge). Possible on a ticket marked
	// duplicate of the same ticket already, which completes (or repeats, harmlessly) the
	// kept ticket's side.
	ActMerge Action = "merge"
	// Work, by the unit.
	ActStart       Action = "start"
	ActRequestInfo Action = "request_info"
	ActResolve     Action = "resolve"
	ActNote        Action = "note"
	ActAssign      Action = "assign"
	ActRequestExt  Action = "request_extension"
	ActApproveExt  Action = "approve_extension"
	ActDenyExt     Action = "deny_extension"
	// The reporter and other residents.
	ActProvideInfo Action = "provide_info"
	ActWithdraw    Action = "withdraw"
	ActRate        Action = "rate"
	ActReopen      Action = "reopen"
	ActFollow      Action = "follow"
	ActUnfollow    Action = "unfollow"
	// ActAddComment is the reporter adding a comment or photos to their report after filing,
	// until it is closed: the unit learns what the resident saw since, without the state or the
	// deadline changing. The resident decides whether the public sees it (Event.NoteInternal).
	ActAddComment Action = "add_comment"
	// Triage corrections, by the IOC (and the unit's leader for the category).
	//
	// ActRecategorize corrects a wrong category with a reason: the new category's routing,
	// privacy and deadline policy apply (app.Tickets.recategorize). It keeps the state; it is
	// possible while the deadline runs (received, assigned, in_progress), like a transfer, and
	// not while the unit waits for the resident (awaiting_info), whose paused clock it would
	// have to restate — the IOC corrects it once the answer came.
	ActRecategorize Action = "recategorize"
	// ActSetPrivate and ActSetPublic are the IOC's decision that a report leaves, or returns
	// to, every public view (faces, plates, a private matter); any state, since a closed
	// report is public too. Their events are internal: the public does not learn of a hidden
	// report.
	ActSetPrivate Action = "set_private"
	ActSetPublic  Action = "set_public"
	// ActHideFromPublic is the IOC hiding from the public what it must not see (faces, plates,
	// insults, a name): a replacement for the description the public reads, photos of the
	// report, or both. The resident's own text and photos stay on the ticket for them and the
	// officials; the internal event keeps the new text, the hidden photos and the reason. Any
	// state, since a closed report is public too.
	ActHideFromPublic Action = "hide_from_public"
	// The system (SLA worker).
	ActAutoClose Action = "auto_close"
	ActRemind    Action = "remind"
	ActEscalate  Action = "escalate"
	// ActMoveDeadline records a deadline moved by an administrator's edit of the working
	// calendar (a day off added or a working day swapped in on a day the deadline spans).
	ActMoveDeadline Action = "move_deadline"
	// ActReroute records a ticket routed again by a boundary switch-over (SwitchOver): its new
	// area and unit.
	ActReroute Action = "reroute"
	// The cap on waiting for the resident (Category.InfoWaitDays), by the SLA worker:
	// ActRemindInfo reminds the reporter once, halfway to the cap; at the cap
	// ActCloseNoResponse closes the ticket with OutcomeNoResponse (policy close) or
	// ActReturnToUnit sends it back to the unit with its clock running (policy return).
	ActRemindInfo      Action = "remind_info"
	ActCloseNoResponse Action = "close_no_response"
	ActReturnToUnit    Action = "return_to_unit"
	// ActWithdrawContact records the reporter withdrawing their consent to be contacted
	// (allow_contact cleared); it is not available through the action endpoint but through
	// the consent endpoints (Law 91/2025/QH15), and does not change the state.
	ActWithdrawContact Action = "withdraw_contact"
	// Filing, recorded as the first history event; not available through the action endpoint.
	ActSubmit Action = "submit"
)

// ActFileOnBehalf is the internal history event that follows the submit of a report an official
// filed on a resident's behalf (a hotline call, a walk-in): ActorID is the official, Reason the
// channel. Officials read who took the report down; the reporter and the public see only the
// submit. Not available through the action endpoint.
const ActFileOnBehalf Action = "file_on_behalf"

// ActMergedFrom is the history event a merge adds to the ticket kept: MergedFrom names the
// duplicate by code, Media the photos it brought. Public only when the duplicate was public, so
// the kept ticket's public history never names a private report. Not available through the
// action endpoint.
const ActMergedFrom Action = "merged_from"

// RoleSystem acts for the SLA worker. It is not a role an account can have.
const RoleSystem Role = "system"

// Transition is one row of the workflow table: in state From, a caller with one of Roles may
// perform Action; To is the next state ("" keeps the state).
type Transition struct {
	From   State
	Action Action
	Roles  []Role
	To     State
}

// Transitions returns the whole workflow table. Being a function, the table cannot be modified
// by a caller; tests enumerate it exhaustively.
func Transitions() []Transition {
	triageRoles := []Role{RoleIOCOperator, RoleLeader, RoleOfficer}
	unitRoles := []Role{RoleLeader, RoleOfficer}
	leaderRoles := []Role{RoleLeader, RoleIOCOperator}
	resident := []Role{RoleResident}
	system := []Role{RoleSystem}
	var t []Transition
	add := func(action Action, roles []Role, to State, from ...State) {
		for _, f := range from {
			t = append(t, Transition{From: f, Action: action, Roles: roles, To: to})
		}
	}
	add(ActAccept, triageRoles, StateAssigned, StateReceived)
	add(ActReject, triageRoles, StateRejected, StateReceived, StateAssigned)
	// A transferred ticket starts over at the new unit, which triages it again.
	add(ActTransfer, triageRoles, StateReceived, StateReceived, StateAssigned, StateInProgress)
	add(ActMarkDuplicate, triageRoles, StateDuplicate, StateReceived, StateAssigned)
	add(ActMerge, triageRoles, StateDuplicate, StateReceived, StateAssigned, StateInProgress, StateAwaitingInfo, StateDuplicate)

	add(ActStart, unitRoles, StateInProgress, StateAssigned)
	add(ActRequestInfo, unitRoles, StateAwaitingInfo, StateAssigned, StateInProgress)
	add(ActResolve, unitRoles, StateResolved, StateAssigned, StateInProgress)
	add(ActNote, []Role{RoleIOCOperator, RoleLeader, RoleOfficer}, "",
		StateReceived, StateAssigned, StateInProgress, StateAwaitingInfo, StateResolved, StateClosed,
		StateRejected, StateDuplicate, StateWithdrawn)
	add(ActAssign, []Role{RoleLeader}, "", StateAssigned, StateInProgress, StateAwaitingInfo)
	add(ActRequestExt, unitRoles, "", StateAssigned, StateInProgress, StateAwaitingInfo)
	add(ActApproveExt, leaderRoles, "", StateAssigned, StateInProgress, StateAwaitingInfo)
	add(ActDenyExt, leaderRoles, "", StateAssigned, StateInProgress, StateAwaitingInfo)

	add(ActProvideInfo, resident, StateInProgress, StateAwaitingInfo)
	add(ActWithdraw, resident, StateWithdrawn, StateReceived, StateAssigned)
	add(ActRate, resident, StateClosed, StateResolved)
	add(ActReopen, resident, StateInProgress, StateResolved, StateClosed)
	add(ActFollow, resident, "", StateReceived, StateAssigned, StateInProgress, StateAwaitingInfo, StateResolved)
	add(ActUnfollow, resident, "", StateReceived, StateAssigned, StateInProgress, StateAwaitingInfo, StateResolved, StateClosed)
	add(ActAddComment, resident, "", StateReceived, StateAssigned, StateInProgress, StateAwaitingInfo, StateResolved)

	add(ActRecategorize, leaderRoles, "", StateReceived, StateAssigned, StateInProgress)
	add(ActSetPrivate, []Role{RoleIOCOperator}, "", States...)
	add(ActSetPublic, []Role{RoleIOCOperator}, "", States...)
	add(ActHideFromPublic, []Role{RoleIOCOperator}, "", States...)

	add(ActAutoClose, system, StateClosed, StateResolved)
	add(ActRemind, system, "", StateReceived, StateAssigned, StateInProgress)
	add(ActEscalate, system, "", StateReceived, StateAssigned, StateInProgress)
	add(ActMoveDeadline, system, "", StateReceived, StateAssigned, StateInProgress)
	add(ActReroute, system, "", StateReceived, StateAssigned, StateInProgress, StateAwaitingInfo)
	add(ActRemindInfo, system, "", StateAwaitingInfo)
	add(ActCloseNoResponse, system, StateClosed, StateAwaitingInfo)
	add(ActReturnToUnit, system, StateInProgress, StateAwaitingInfo)
	return t
}

// States lists every state in flow order.
var States = []State{StateReceived, StateAssigned, StateInProgress, StateAwaitingInfo, StateResolved,
	StateClosed, StateRejected, StateDuplicate, StateWithdrawn}

// Actions lists every action a caller may request through the action endpoint.
var Actions = []Action{ActAccept, ActReject, ActTransfer, ActMarkDuplicate, ActMerge, ActStart, ActRequestInfo,
	ActResolve, ActNote, ActAssign, ActRequestExt, ActApproveExt, ActDenyExt, ActProvideInfo, ActWithdraw,
	ActRate, ActReopen, ActFollow, ActUnfollow, ActAddComment, ActRecategorize, ActSetPrivate, ActSetPublic, ActHideFromPublic, ActAutoClose, ActRemind, ActEscalate, ActMoveDeadline, ActReroute,
	ActRemindInfo, ActCloseNoResponse, ActReturnToUnit}

// AlwaysInternal reports whether a's history event is for officials only, whatever its caller
// says: who does the work (assign), a deadline asked for or refused (request_extension,
// deny_extension), who stopped following and the IOC's privacy decisions (set_private,
// set_public, hide_from_public: the public must not learn that a report was hidden). Other
// events are public unless the action lets its caller choose (a note, a rating comment). The
// console labels its note fields by it.
func AlwaysInternal(a Action) bool {
	switch a {
	case ActAssign, ActRequestExt, ActDenyExt, ActUnfollow, ActSetPrivate, ActSetPublic, ActHideFromPublic:
		return true
	}
	return false
}

// Next answers the table: the state after action by role in from, and whether it is allowed.
func Next(from State, action Action, role Role) (State, bool) {
	for _, t := range Transitions() {
		if t.From == from && t.Action == action && slices.Contains(t.Roles, role) {
			if t.To == "" {
				return from, true
			}
			return t.To, true
		}
	}
	return "", false
}

// SystemAction reports whether a is performed by the system (SLA worker, calendar edits), which
// the action endpoint refuses to every caller.
func SystemAction(a Action) bool {
	for _, t := range Transitions() {
		if t.Action == a && slices.Contains(t.Roles, RoleSystem) {
			return true
		}
	}
	return false
}

// AllowedActions lists what role may do in state, for error messages and clients' buttons.
func AllowedActions(state State, role Role) []Action {
	var out []Action
	for _, t := range Transitions() {
		if t.From == state && slices.Contains(t.Roles, role) && !slices.Contains(out, t.Action) {
			out = append(out, t.Action)
		}
	}
	return out
}

// ClockRunning reports whether the ticket's deadline is counting down in state s; it pauses while
// the unit waits for the resident and stops in final states.
func (s State) ClockRunning() bool {
	return s == StateReceived || s == StateAssigned || s == StateInProgress
}

// Outcome is the result a unit records when resolving: "resolved" never pretends "fixed".
type Outcome string

// Outcomes.
const (
	OutcomeFixed          Outcome = "fixed"
	OutcomePartiallyFixed Outcome = "partially_fixed"
	OutcomeNotFixable     Outcome = "not_fixable"
	OutcomeNotResponsible Outcome = "not_responsible"
)

// OutcomeNoResponse is the outcome of a ticket the SLA worker closed because the resident did
// not answer a request for information within the category's cap (ActCloseNoResponse). No
// unit records it (it is not in Outcomes); the resident may reopen the ticket like any closed one.
const OutcomeNoResponse Outcome = "no_response"

// Outcomes lists the outcomes a unit may record when resolving.
var Outcomes = []Outcome{OutcomeFixed, OutcomePartiallyFixed, OutcomeNotFixable, OutcomeNotResponsible}

// RejectReasons are the fixed reasons for refusing a report at triage.
var RejectReasons = []string{"insufficient_info", "not_a_real_problem", "outside_competence", "abusive_content", "duplicate", "other"}

// OnTimeClass is how a finished ticket counts in Vietnamese reporting.
type OnTimeClass string

// On-time classes.
const (
	OnTime            OnTimeClass = "on_time"
	Late              OnTimeClass = "late"
	LateWithExtension OnTimeClass = "late_with_extension"
)

// ExtensionRequest is an officer's pending request to move the resolution deadline.
type ExtensionRequest struct {
	DueAt       time.Time `json:"due_at"`
	Reason      string    `json:"reason"`
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
}

// Workflow limits and windows (defaults; app.Config may override).
const (
	MaxNoteRunes = 4000
)

// CheckAction refuses an action name no caller may ask for: none (ProblemRequired), or one
// that is not in Actions (ProblemBadEnum, listing those a person may ask for), so that a client
// learns the vocabulary from the answer.
func CheckAction(a Action) error {
	if a == "" {
		return Problem("action", ProblemRequired, "", "action is required")
	}
	if a != ActSubmit && slices.Contains(Actions, a) {
		return nil
	}
	var names []string
	for _, x := range Actions {
		if !SystemAction(x) {
			names = append(names, string(x))
		}
	}
	return Problem("action", ProblemBadEnum, strings.Join(names, ", "), "unknown action %q", a)
}
