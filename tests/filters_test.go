package tests

import (
	"net/http"
	"slices"
	"testing"
)

// savedFilter is a saved queue filter as the API answers it.
type savedFilter struct {
	ID, Name, Query string
}

// TestSavedQueueFilters: an officer saves a queue view under a name; the saved query keeps the
// filters only, applying it gives the same queue, other officials neither see nor delete it, and
// bad filters are refused.
func TestSavedQueueFilters(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 11)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		ux := unitOf(x.code, "ubnd")
		ox, other := s.createOfficial("officer", "canbo.loc", ux), s.createOfficial("officer", "canbo.loc.2", ux)
		res := s.signInResident("0912600080")
		a := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè", false))
		fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Lấn chiếm lòng đường", false))
		step(t, s, ox.AccessToken, a, "accept", nil, "assigned")

		var f savedFilter
		s.request(t, "POST", "/v1/queue/filters", ox.AccessToken, map[string]any{"name": "Của tôi",
			"query": "?state=assigned&category=TTDT&overdue="}).expect(t, http.StatusCreated).json(t, &f)
		if f.Name != "Của tôi" || f.Query != "category=TTDT&state=assigned" {
			t.Errorf("saved %+v, want the query with its empty fields dropped, sorted", f)
		}
		var list struct{ Filters []savedFilter }
		s.request(t, "GET", "/v1/queue/filters", ox.AccessToken, nil).expect(t, http.StatusOK).json(t, &list)
		if len(list.Filters) != 1 || list.Filters[0].ID != f.ID {
			t.Errorf("the officer's filters: %+v", list.Filters)
		}
		var q struct{ Tickets []wfTicket }
		s.request(t, "GET", "/v1/queue?"+f.Query, ox.AccessToken, nil).expect(t, http.StatusOK).json(t, &q)
		if len(q.Tickets) != 1 || q.Tickets[0].ID != a.ID {
			t.Errorf("the saved filter's queue has %d tickets, want the accepted one", len(q.Tickets))
		}

		s.request(t, "GET", "/v1/queue/filters", other.AccessToken, nil).expect(t, http.StatusOK).json(t, &list)
		if len(list.Filters) != 0 {
			t.Errorf("a colleague sees %d of the officer's filters", len(list.Filters))
		}
		refused(t, s.request(t, "DELETE", "/v1/queue/filters/"+f.ID, other.AccessToken, nil), http.StatusNotFound, "not_found", "")
		refused(t, s.request(t, "GET", "/v1/queue/filters", res.AccessToken, nil), http.StatusForbidden, "forbidden", "")

		for name, c := range map[string]struct {
			body   any
			fields []string
		}{
			"no name, paging":      {map[string]any{"name": "", "query": "cursor=abc&limit=5"}, []string{"name", "query"}},
			"no condition":         {map[string]any{"name": "Trống", "query": "state=&q="}, []string{"query"}},
			"not a query":          {map[string]any{"name": "Hỏng", "query": "%zz"}, []string{"query"}},
			"an unknown parameter": {map[string]any{"name": "Lạ", "query": "color=red"}, []string{"query"}},
			"an extra field":       {map[string]any{"name": "Thừa", "query": "overdue=true", "shared": true}, []string{"shared"}},
		} {
			e := refused(t, s.request(t, "POST", "/v1/queue/filters", ox.AccessToken, c.body), http.StatusBadRequest, "invalid", "")
			var got []string
			for _, p := range e.Error.Errors {
				got = append(got, p.Field)
			}
			if !slices.Equal(got, c.fields) {
				t.Errorf("%s: fields %q, want %q", name, got, c.fields)
			}
		}
		s.request(t, "DELETE", "/v1/queue/filters/"+f.ID, ox.AccessToken, nil).expect(t, http.StatusNoContent)
		s.request(t, "GET", "/v1/queue/filters", ox.AccessToken, nil).expect(t, http.StatusOK).json(t, &list)
		if len(list.Filters) != 0 {
			t.Errorf("after the delete: %+v", list.Filters)
		}
	})
}
