package models

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CannedReply is a unit's prepared answer to a frequent kind of report: ward officials answer
// the same questions many times a day ("the team will come within 2 working days…"), and a text
// their leader wrote once reads better and is quicker than one typed in a hurry. Placeholders
// ({code}, {due}, …) are filled in from the ticket being answered.
type CannedReply struct {
	ID     string
	UnitID string
	// Category limits the reply to one category's tickets; "" offers it for every category.
	Category  string
	Title     string
	Text      string
	UpdatedBy string // the account that wrote it last
	UpdatedAt time.Time
}

// Limits of canned replies.
const (
	MaxReplyTitle = 120
	MaxReplyText  = 2000
	// MaxRepliesPerUnit keeps the console's list of replies short enough to choose from.
	MaxRepliesPerUnit = 100
)

// ReplyPlaceholders are what a reply's text may say in braces, each replaced by the ticket's
// value when the reply is offered for a ticket.
var ReplyPlaceholders = []string{"{code}", "{due}", "{unit}", "{category}", "{area}"}

// ReplyValues are the values of a ticket that fill a reply's placeholders.
type ReplyValues struct {
	Code, Unit, Category, Area string
	Due                        time.Time // zero: no running deadline
}

var placeholderPattern = regexp.MustCompile(`\{[^{}\s]*\}`)

// ValidateReply checks a reply's title, text and placeholders and returns every problem at once.
func ValidateReply(title, text string) error {
	var errs Errors
	check := func(field, value string, limit int) {
		switch n := utf8.RuneCountInString(strings.TrimSpace(value)); {
		case n == 0:
			errs = append(errs, Problem(field, ProblemRequired, "", "%s is required", field))
		case n > limit:
			errs = append(errs, Problem(field, ProblemTooLong, strconv.Itoa(limit), "%s is at most %d characters", field, limit))
		}
	}
	check("title", title, MaxReplyTitle)
	check("text", text, MaxReplyText)
	for _, p := range placeholderPattern.FindAllString(text, -1) {
		if !isPlaceholder(p) {
			errs = append(errs, Problem("text", ProblemBadEnum, strings.Join(ReplyPlaceholders, ", "),
				"unknown placeholder %s; a text may use %s", p, strings.Join(ReplyPlaceholders, ", ")))
			break
		}
	}
	return errs.Err()
}

func isPlaceholder(p string) bool {
	for _, known := range ReplyPlaceholders {
		if p == known {
			return true
		}
	}
	return false
}

// Fill returns the reply's text with its placeholders replaced by v's values; the deadline is
// written as Vietnamese readers write dates (15:04 02/01/2006, Vietnam time).
func (r CannedReply) Fill(v ReplyValues) string {
	due := ""
	if !v.Due.IsZero() {
		due = v.Due.In(VietnamTime).Format("15:04 02/01/2006")
	}
	return strings.NewReplacer("{code}", v.Code, "{due}", due, "{unit}", v.Unit, "{category}", v.Category, "{area}", v.Area).Replace(r.Text)
}
