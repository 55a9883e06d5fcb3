package models

import "time"

// SavedFilter is a queue view an official named to come back to ("chưa giao, quá hạn", "chờ
// duyệt gia hạn"): the queue's filters as the query string of GET /v1/queue, so the API, the
// console and a bookmark all mean the same thing by it.
type SavedFilter struct {
	ID        string
	UserID    string
	Name      string
	Query     string // e.g. "assigned=none&overdue=true"
	CreatedAt time.Time
}

// Limits of saved filters.
const (
	MaxFilterName      = 60
	MaxFiltersPerUser  = 20
	MaxFilterQueryText = 500
)
