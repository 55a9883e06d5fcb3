package models

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// expectedWorkflow is the workflow written out by hand, one allowed transition per line:
// "from action roles → to" (roles comma-separated; "=" keeps the state). Every triple not listed
// must be refused. It is deliberately a second, independent statement of the rules.
const expectedWorkflow = `
received accept ioc_operator,leader,officer → assigned
received reject ioc_operator,leader,officer → rejected
assigned reject ioc_operator,leader,officer → rejected
received transfer ioc_operator,leader,officer → received
assigned transfer ioc_operator,leader,officer → received
in_progress transfer ioc_operator,leader,officer → received
received mark_duplicate ioc_operator,leader,officer → duplicate
assigned mark_duplicate ioc_operator,leader,officer → duplicate
received merge ioc_operator,leader,officer → duplicate
assigned merge ioc_operator,leader,officer → duplicate
in_progress merge ioc_operator,leader,officer → duplicate
awaiting_info merge ioc_operator,leader,officer → duplicate
duplicate merge ioc_operator,leader,officer → duplicate
assigned start leader,officer → in_progress
assigned request_info leader,officer → awaiting_info
in_progress request_info leader,officer → awaiting_info
assigned resolve leader,officer → resolved
in_progress resolve leader,officer → resolved
received note ioc_operator,leader,officer → =
assigned note ioc_operator,leader,officer → =
in_progress note ioc_operator,leader,officer → =
awaiting_info note ioc_operator,leader,officer → =
resolved note ioc_operator,leader,officer → =
closed note ioc_operator,leader,officer → =
rejected note ioc_operator,leader,officer → =
duplicate note ioc_operator,leader,officer → =
withdrawn note ioc_operator,leader,officer → =
assigned assign leader → =
in_progress assign leader → =
awaiting_info assign leader → =
assigned request_extension leader,officer → =
in_progress request_extension leader,officer → =
awaiting_info request_extension leader,officer → =
assigned approve_extension leader,ioc_operator → =
in_progress approve_extension leader,ioc_operator → =
awaiting_info approve_extension leader,ioc_operator → =
assigned deny_extension leader,ioc_operator → =
in_progress deny_extension leader,ioc_operator → =
awaiting_info deny_extension leader,ioc_operator → =
awaiting_info provide_info resident → in_progress
received withdraw resident → withdrawn
assigned withdraw resident → withdrawn
resolved rate resident → closed
resolved reopen resident → in_progress
closed reopen resident → in_progress
received follow resident → =
assigned follow resident → =
in_progress follow resident → =
awaiting_info follow resident → =
resolved follow resident → =
received unfollow resident → =
assigned unfollow resident → =
in_progress unfollow resident → =
awaiting_info unfollow resident → =
resolved unfollow resident → =
closed unfollow resident → =
received add_comment resident → =
assigned add_comment resident → =
in_progress add_comment resident → =
awaiting_info add_comment resident → =
resolved add_comment resident → =
received recategorize leader,ioc_operator → =
assigned recategorize leader,ioc_operator → =
in_progress recategorize leader,ioc_operator → =
received set_private ioc_operator → =
assigned set_private ioc_operator → =
in_progress set_private ioc_operator → =
awaiting_info set_private ioc_operator → =
resolved set_private ioc_operator → =
closed set_private ioc_operator → =
rejected set_private ioc_operator → =
duplicate set_private ioc_operator → =
withdrawn set_private ioc_operator → =
received set_public ioc_operator → =
assigned set_public ioc_operator → =
in_progress set_public ioc_operator → =
awaiting_info set_public ioc_operator → =
resolved set_public ioc_operator → =
closed set_public ioc_operator → =
rejected set_public ioc_operator → =
duplicate set_public ioc_operator → =
withdrawn set_public ioc_operator → =
received hide_from_public ioc_operator → =
assigned hide_from_public ioc_operator → =
in_progress hide_from_public ioc_operator → =
awaiting_info hide_from_public ioc_operator → =
resolved hide_from_public ioc_operator → =
closed hide_from_public ioc_operator → =
rejected hide_from_public ioc_operator → =
duplicate hide_from_public ioc_operator → =
withdrawn hide_from_public ioc_operator → =
resolved auto_close system → closed
received remind system → =
assigned remind system → =
in_progress remind system → =
received escalate system → =
assigned escalate system → =
in_progress escalate system → =
received move_deadline system → =
assigned move_deadline system → =
in_progress move_deadline system → =
received reroute system → =
assigned reroute system → =
in_progress reroute system → =
awaiting_info reroute system → =
awaiting_info remind_info system → =
awaiting_info close_no_response system → closed
awaiting_info return_to_unit system → in_progress
`

func TestTransitionTableExhaustively(t *testing.T) {
	want := map[string]State{}
	for _, line := range strings.Split(strings.TrimSpace(expectedWorkflow), "\n") {
		var from, action, roles, arrow, to string
		if _, err := fmt.Sscan(line, &from, &action, &roles, &arrow, &to); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		for _, r := range strings.Split(roles, ",") {
			next := State(to)
			if to == "=" {
				next = State(from)
			}
			want[from+" "+action+" "+r] = next
		}
	}
	roles := append(slices.Clone(Roles), RoleSystem)
	checked, allowed := 0, 0
	for _, s := range States {
		for _, a := range append(slices.Clone(Actions), ActSubmit) {
			for _, r := range roles {
				key := string(s) + " " + string(a) + " " + string(r)
				got, ok := Next(s, a, r)
				exp, expOK := want[key]
				if ok != expOK || got != exp {
					t.Errorf("%s: Next = %q, %v; want %q, %v", key, got, ok, exp, expOK)
				}
				if ok {
					allowed++
					if !slices.Contains(AllowedActions(s, r), a) {
						t.Errorf("%s allowed but missing from AllowedActions", key)
					}
				}
				checked++
			}
		}
	}
	if allowed != len(want) {
		t.Errorf("%d triples allowed, the hand-written table lists %d", allowed, len(want))
	}
	if checked != len(States)*(len(Actions)+1)*len(roles) {
		t.Errorf("checked %d triples", checked)
	}
}

func TestWorkflowInvariants(t *testing.T) {
	for _, tr := range Transitions() {
		if slices.Contains(tr.Roles, RoleIOCViewer) || slices.Contains(tr.Roles, RoleAdmin) {
			t.Errorf("%s %s: viewers and administrators never act on tickets", tr.From, tr.Action)
		}
		if tr.To != "" && !slices.Contains(States, tr.To) {
			t.Errorf("%s %s leads to unknown state %q", tr.From, tr.Action, tr.To)
		}
	}
	for _, s := range []State{StateRejected, StateDuplicate, StateWithdrawn} {
		for _, r := range Roles {
			for _, a := range AllowedActions(s, r) {
				// Notes, and the IOC's privacy decisions: a final report is still public. A
				// duplicate may be merged into the ticket it duplicates (which completes the
				// merge on that ticket; app.Tickets.mergeTarget refuses any other).
				if a != ActNote && a != ActSetPrivate && a != ActSetPublic && a != ActHideFromPublic &&
					(s != StateDuplicate || a != ActMerge) {
					t.Errorf("final state %s allows %s to %s", s, r, a)
				}
			}
		}
	}
	if ActSubmit == "" || slices.Contains(Actions, ActSubmit) {
		t.Error("submit must not be requestable through the action endpoint")
	}
}
