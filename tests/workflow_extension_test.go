package tests

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestExtensionTakesTwoPeople checks that a later deadline takes two people: a leader who asks
// for an extension may not approve it (403, nothing changes) and is not offered to, the decision
// forms appear only while a request is pending, and another approver's approval moves the
// deadline.
func TestExtensionTakesTwoPeople(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 9)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100019")
		leader := s.createOfficial("leader", "leader.ext", unitOf(x.code, "cong_an"))
		ioc := s.createOfficial("ioc_operator", "ioc.ext", "")
		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		tk = step(t, s, leader.AccessToken, tk, "accept", nil, "assigned")

		extensionForms := func(token string) []string {
			t.Helper()
			var out []string
			for _, a := range getTicket(t, s, token, tk.ID).AllowedActions {
				if slices.Contains([]string{"request_extension", "approve_extension", "deny_extension"}, a) {
					out = append(out, a)
				}
			}
			return out
		}
		if diff := cmp.Diff([]string{"request_extension"}, extensionForms(leader.AccessToken)); diff != "" {
			t.Errorf("nothing pending: the leader's extension actions (-want +got):\n%s", diff)
		}
		if got := extensionForms(ioc.AccessToken); len(got) != 0 {
			t.Errorf("nothing pending: the IOC is offered %v", got)
		}

		requested := parseTime(t, tk.ResolveDueAt).Add(48 * time.Hour)
		tk = step(t, s, leader.AccessToken, tk, "request_extension", fields{"due_at": rfc(requested), "reason": "Chờ giám định"}, "assigned")
		if diff := cmp.Diff([]string{"deny_extension"}, extensionForms(leader.AccessToken)); diff != "" {
			t.Errorf("own request pending: the leader's extension actions (-want +got):\n%s", diff)
		}
		refused(t, act(t, s, leader.AccessToken, tk.ID, tk.Version, "approve_extension", nil), http.StatusForbidden, "forbidden", "")
		if cur := getTicket(t, s, leader.AccessToken, tk.ID); cur.Version != tk.Version || cur.Extension == nil || cur.ResolveDueAt != tk.ResolveDueAt {
			t.Fatalf("a refused self-approval changed the ticket: v%d (want %d), extension %+v, due %s", cur.Version, tk.Version, cur.Extension, cur.ResolveDueAt)
		}

		if diff := cmp.Diff([]string{"approve_extension", "deny_extension"}, extensionForms(ioc.AccessToken)); diff != "" {
			t.Errorf("pending: the IOC's extension actions (-want +got):\n%s", diff)
		}
		tk = step(t, s, ioc.AccessToken, tk, "approve_extension", nil, "assigned")
		if !parseTime(t, tk.ResolveDueAt).Equal(requested) || tk.Extension != nil {
			t.Errorf("approved by the IOC: resolve_due_at %s (want %s), extension %+v", tk.ResolveDueAt, rfc(requested), tk.Extension)
		}
	})
}
