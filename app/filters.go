package app

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"phananh/models"
)

// FilterStore keeps the officials' saved queue filters.
type FilterStore interface {
	// SavedFiltersOf lists a user's filters, oldest first.
	SavedFiltersOf(ctx context.Context, userID string) ([]models.SavedFilter, error)
	// PutSavedFilter inserts f.
	PutSavedFilter(ctx context.Context, f *models.SavedFilter) error
	// DeleteSavedFilter removes the user's filter; ENotFound when the user has none with that id.
	DeleteSavedFilter(ctx context.Context, userID, id string) error
}

// QueueFilterKeys are the query parameters of GET /v1/queue that a saved filter may hold: the
// filters, not the paging (cursor, limit).
var QueueFilterKeys = []string{"state", "category", "overdue", "due_before", "q", "area", "unit", "assigned", "extension", "routing"}

// Filters are the officials' saved queue filters: each official's own, in the order they were
// saved, applied by opening the queue with their query.
type Filters struct {
	*core
	store FilterStore
}

// SavedFilters lists the caller's saved filters.
func (s *Filters) SavedFilters(ctx context.Context, p models.Principal) ([]models.SavedFilter, error) {
	if err := officialWithAccount(p); err != nil {
		return nil, err
	}
	return s.store.SavedFiltersOf(ctx, p.UserID)
}

// SaveFilter names a queue query for the caller. The query keeps only the filter parameters, in
// a canonical order; paging and unknown parameters are refused.
func (s *Filters) SaveFilter(ctx context.Context, p models.Principal, name, query string) (*models.SavedFilter, error) {
	if err := officialWithAccount(p); err != nil {
		return nil, err
	}
	canonical, err := checkFilter(name, query)
	if err != nil {
		return nil, err
	}
	have, err := s.store.SavedFiltersOf(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if len(have) >= models.MaxFiltersPerUser {
		return nil, models.Errorf(models.EUnprocessable, "at most %d saved filters; delete one first", models.MaxFiltersPerUser)
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	f := &models.SavedFilter{ID: id, UserID: p.UserID, Name: strings.TrimSpace(name), Query: canonical, CreatedAt: s.clock()}
	if err := s.store.PutSavedFilter(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}

// DeleteFilter removes one of the caller's saved filters; another's is not found.
func (s *Filters) DeleteFilter(ctx context.Context, p models.Principal, id string) error {
	if err := officialWithAccount(p); err != nil {
		return err
	}
	return s.store.DeleteSavedFilter(ctx, p.UserID, id)
}

func officialWithAccount(p models.Principal) error {
	if p.UserID == "" || p.Scope != "" || !p.Role.Official() {
		return models.Errorf(models.EForbidden, "saved filters are for officials")
	}
	return nil
}

// checkFilter checks a filter's name and query, every problem at once, and returns the query
// with only its non-empty filter parameters, sorted by name.
func checkFilter(name, query string) (string, error) {
	var errs models.Errors
	switch n := utf8.RuneCountInString(strings.TrimSpace(name)); {
	case n == 0:
		errs = append(errs, models.Problem("name", models.ProblemRequired, "", "a filter needs a name"))
	case n > models.MaxFilterName:
		errs = append(errs, models.Problem("name", models.ProblemTooLong, strconv.Itoa(models.MaxFilterName), "a name is at most %d characters", models.MaxFilterName))
	}
	values, err := url.ParseQuery(strings.TrimPrefix(query, "?"))
	switch {
	case err != nil:
		errs = append(errs, models.Problem("query", models.ProblemMalformed, "", "the query must be a URL query string such as assigned=none&overdue=true"))
	case len(query) > models.MaxFilterQueryText:
		errs = append(errs, models.Problem("query", models.ProblemTooLong, strconv.Itoa(models.MaxFilterQueryText), "a query is at most %d characters", models.MaxFilterQueryText))
	}
	for key := range values {
		if !slices.Contains(QueueFilterKeys, key) {
			errs = append(errs, models.Problem("query", models.ProblemBadEnum, strings.Join(QueueFilterKeys, ", "), "the queue has no filter %q", key))
			break
		}
	}
	if len(errs) > 0 {
		return "", errs
	}
	for key, vs := range values {
		if len(vs) != 1 || vs[0] == "" {
			values.Del(key) // empty fields of a filter form mean "any"
		}
	}
	if len(values) == 0 {
		return "", models.Problem("query", models.ProblemRequired, "", "a filter needs at least one condition")
	}
	return values.Encode(), nil
}
