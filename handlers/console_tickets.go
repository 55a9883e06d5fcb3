package handlers

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// consoleQueueView is the queue page: the same page of app.Tickets.Queue the API serves, with
// the filters echoed back into the form.
type consoleQueueView struct {
	Tickets    []consoleRow
	Counts     []consoleCount
	NextURL    string
	State      string
	Category   string
	Unit       string
	Overdue    bool
	Q          string
	Assigned   string // me, none or "" (anyone)
	Extension  bool   // only tickets with an extension request to decide
	Routing    bool   // only tickets whose routing is to be checked
	States     []models.State
	Categories []consoleOption
	Units      []consoleOption // IOC only: the queue of any unit
	// BulkAccept: some rows may be accepted together; Staff: whom the rows that may be assigned
	// can be assigned to together (a leader's unit's officials).
	BulkAccept bool
	Staff      []consoleOption
	// Saved are the official's saved filters; Query is the view on screen, for saving it.
	Saved []consoleSavedFilter
	Query string

	// Channel and Group filter by how the tickets came and by category group.
	Channel  string
	Group    string
	Channels []consoleOption
	Groups   []consoleOption
}

type consoleRow struct {
	ticketBody
	CategoryName string
	Assignee     string // by name; "" when nobody is assigned
	Triage       bool   // the running deadline is the one to accept the ticket by
	Left         string // the time to the running deadline, or past it, in words; "" when none runs
	// Selectable: the row may be accepted or assigned together with others.
	Selectable bool
}

type consoleCount struct {
	State models.State
	N     int
}

type consoleOption struct{ Value, Label string }

func (s *consoleUI) consoleCategories(lang string) []consoleOption {
	var out []consoleOption
	for _, cat := range s.svc.Catalog.Categories() {
		out = append(out, consoleOption{cat.Code, cat.Code + " — " + localName(lang, cat.Name, cat.NameEN)})
	}
	return out
}

func (s *consoleUI) consoleUnits(lang string) []consoleOption {
	var out []consoleOption
	for _, u := range s.svc.Catalog.Units() {
		out = append(out, consoleOption{u.ID, localName(lang, u.Name, u.NameEN)})
	}
	return out
}

func localName(lang, vi, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return vi
}

func (s *consoleUI) categoryName(lang, code string) string {
	if cat, ok := s.svc.Catalog.Category(code); ok { // a deactivated category's tickets keep its name
		return localName(lang, cat.Name, cat.NameEN)
	}
	return code
}

func (s *consoleUI) consoleQueue(c *fiber.Ctx) error {
	p := principal(c)
	lang := s.consoleLang(c)
	v := &consoleQueueView{State: c.Query("state"), Category: c.Query("category"), Unit: c.Query("unit"),
		Overdue: c.Query("overdue") == "true", Q: c.Query("q"), States: models.States, Categories: s.consoleCategories(lang)}
	q := app.QueueParams{Category: v.Category, Q: v.Q, Overdue: v.Overdue, Cursor: c.Query("cursor"), Limit: 50}
	if err := queueWorkParams(c, &q); err != nil {
		return err
	}
	v.Assigned, v.Extension, v.Routing = c.Query("assigned"), q.ExtensionPending, q.RoutingFlagged
	s.queueChannelFilters(c, lang, v, &q)
	if v.State != "" {
		q.States = []models.State{models.State(v.State)}
	}
	if p.Role.SeesAllTickets() {
		q.Unit = v.Unit
		v.Units = s.consoleUnits(lang)
	}
	page, err := s.svc.Tickets.Queue(c.UserContext(), p, q)
	if err != nil {
		return err
	}
	if v.Tickets, err = s.queueRows(c, lang, page.Tickets); err != nil {
		return err
	}
	if err := s.bulkChoices(c, v, page.Tickets); err != nil {
		return err
	}
	if err := s.savedFilters(c, v); err != nil {
		return err
	}
	for _, st := range models.States {
		if n := page.Counts[st]; n > 0 {
			v.Counts = append(v.Counts, consoleCount{st, n})
		}
	}
	if page.NextCursor != "" {
		next := c.Queries()
		vals := url.Values{}
		for k, val := range next {
			vals.Set(k, val)
		}
		vals.Set("cursor", page.NextCursor)
		v.NextURL = consolePrefix + "/queue?" + vals.Encode()
	}
	return s.consoleRender(c, fiber.StatusOK, "queue", "queue.title", s.bulkFlash(c), v)
}

// queueChannelFilters reads the queue's channel and group filters into q and lists their
// choices: every channel, and the groups of the categories offered.
func (s *consoleUI) queueChannelFilters(c *fiber.Ctx, lang string, v *consoleQueueView, q *app.QueueParams) {
	v.Channel, v.Group = c.Query("channel"), c.Query("group")
	q.Channel, q.Group = models.Channel(v.Channel), models.Group(v.Group)
	v.Channels, v.Groups = s.channelGroupOptions(lang)
}

// queueRows are the queue's lines: each ticket with its assignee by name and the time left to
// its running deadline.
func (s *consoleUI) queueRows(c *fiber.Ctx, lang string, tickets []*models.Ticket) ([]consoleRow, error) {
	p := principal(c)
	ids := make([]string, len(tickets))
	for i, t := range tickets {
		ids[i] = t.AssignedTo
	}
	names, err := s.svc.Tickets.StaffNames(c.UserContext(), p, ids)
	if err != nil {
		return nil, err
	}
	rows := make([]consoleRow, 0, len(tickets))
	for _, t := range tickets {
		row := consoleRow{ticketBody: listView(t, p, s.svc.Tickets.Overdue(t)), CategoryName: s.categoryName(lang, t.Category),
			Assignee: names[t.AssignedTo], Triage: t.State == models.StateReceived}
		if row.Assignee == "" {
			row.Assignee = t.AssignedTo
		}
		if left, ok := s.svc.Tickets.TimeLeft(t); ok {
			row.Left = timeLeft(lang, left)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// timeLeft says a span to a deadline as a clerk would — "còn 2 ngày 3 giờ", "quá hạn 5 giờ" —
// to the hour, or to the minute within the last hour.
func timeLeft(lang string, d time.Duration) string {
	key := "left.remaining"
	if d < 0 {
		key, d = "left.overdue", -d
	}
	days, hours, minutes := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", days, translate(lang, "left.days")))
	}
	if hours > 0 || days > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", hours, translate(lang, "left.hours")))
	}
	if days == 0 && hours == 0 {
		parts = append(parts, fmt.Sprintf("%d %s", minutes, translate(lang, "left.minutes")))
	}
	return fmt.Sprintf(translate(lang, key), strings.Join(parts, " "))
}

// consoleTicketView is the ticket page: the API's detail view (app.Tickets.Detail through
// detailView, so the console shows exactly what the API would) plus what the forms need.
type consoleTicketView struct {
	T             ticketBody
	CategoryName  string
	Public        []eventBody
	Internal      []eventBody
	Map           *consoleMap
	Units         []consoleOption
	Categories    []consoleOption // what the recategorize form may choose: the active categories but the ticket's
	Assignees     []consoleOption // whom the assign form may name
	Outcomes      []models.Outcome
	RejectReasons []string
	Forms         []string // the allowed actions that have a form, in a fixed order
	Assignee      string   // who the ticket is assigned to, by name; "" when nobody is
	DefaultDueAt  string   // a suggestion for request_extension (datetime-local)
	ResultMedia   []string // the unit's result photos
	// Replies are the unit's canned replies fitting the ticket, filled in (Value: the text,
	// Label: the title), offered in the forms whose note answers the resident.
	Replies []consoleOption
	// ShowCandidates is set for the officials who may merge the ticket; Candidates are the
	// tickets they may merge it into (app.Duplicates.Candidates), nearest first.
	ShowCandidates bool
	Candidates     []consoleCandidate
}

// consoleCandidate is one duplicate candidate on the ticket page.
type consoleCandidate struct {
	ID, Code, State, Description string
	DistanceM                    float64
}

// ticketCandidates lists the duplicate candidates for the officials who may merge t, and keeps
// the merge form only when there is a ticket to merge into. A ticket already a duplicate shows
// neither: its merge is done (the API completes an interrupted one).
func (s *consoleUI) ticketCandidates(c *fiber.Ctx, t *models.Ticket, v *consoleTicketView) error {
	i := slices.Index(v.Forms, string(models.ActMerge))
	if i < 0 {
		return nil
	}
	v.Forms = slices.Delete(v.Forms, i, i+1)
	if t.State == models.StateDuplicate {
		return nil
	}
	found, err := s.svc.Duplicates.Candidates(c.UserContext(), principal(c), t.ID, 0)
	if err != nil {
		return err
	}
	v.ShowCandidates = true
	for _, d := range found {
		v.Candidates = append(v.Candidates, consoleCandidate{ID: d.Ticket.ID, Code: d.Ticket.Code, State: string(d.Ticket.State),
			Description: d.Ticket.Description, DistanceM: d.DistanceM})
	}
	if len(v.Candidates) > 0 {
		v.Forms = slices.Insert(v.Forms, i, string(models.ActMerge))
	}
	return nil
}

// consoleReplyForms are the forms that offer the canned replies.
var consoleReplyForms = []string{string(models.ActAccept), string(models.ActStart), string(models.ActResolve),
	string(models.ActRequestInfo), string(models.ActNote), string(models.ActReject), string(models.ActMarkDuplicate)}

// ticketReplies offers the unit's replies to the officials handling t; others get none.
func (s *consoleUI) ticketReplies(c *fiber.Ctx, t *models.Ticket, v *consoleTicketView) error {
	if a := principal(c).TicketAccess(t); a != models.AccessUnit && a != models.AccessIOC {
		return nil
	}
	rs, err := s.svc.Replies.RepliesFor(c.UserContext(), principal(c), t.ID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		v.Replies = append(v.Replies, consoleOption{r.Filled, r.Title})
	}
	return nil
}

// consoleFormOrder is the order of the action forms on the ticket page: the usual next step first.
var consoleFormOrder = []models.Action{models.ActAccept, models.ActStart, models.ActResolve, models.ActRequestInfo,
	models.ActNote, models.ActAssign, models.ActRequestExt, models.ActApproveExt, models.ActDenyExt,
	models.ActTransfer, models.ActRecategorize, models.ActSetPrivate, models.ActSetPublic, models.ActHideFromPublic,
	models.ActMerge, models.ActMarkDuplicate, models.ActReject}

func (s *consoleUI) consoleTicketData(c *fiber.Ctx, t *models.Ticket) (*consoleTicketView, error) {
	p := principal(c)
	lang := s.consoleLang(c)
	d, err := s.svc.Tickets.Detail(c.UserContext(), p, t)
	if err != nil {
		return nil, err
	}
	b := detailView(d, s.svc.Tickets.Overdue(t))
	v := &consoleTicketView{T: b, CategoryName: s.categoryName(lang, t.Category), Outcomes: models.Outcomes,
		RejectReasons: models.RejectReasons, ResultMedia: t.ResultMedia}
	if err := s.nameStaff(c, t, v); err != nil {
		return nil, err
	}
	if err := s.ticketReplies(c, t, v); err != nil {
		return nil, err
	}
	for _, a := range consoleFormOrder {
		if slices.Contains(d.Allowed, a) {
			v.Forms = append(v.Forms, string(a))
		}
	}
	if err := s.ticketCandidates(c, t, v); err != nil {
		return nil, err
	}
	if slices.Contains(v.Forms, string(models.ActAssign)) {
		users, err := s.svc.Tickets.Assignees(c.UserContext(), p, t)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			v.Assignees = append(v.Assignees, consoleOption{u.ID, app.StaffLabel(&u)})
		}
	}
	for _, u := range s.consoleUnits(lang) {
		if u.Value != t.UnitID {
			v.Units = append(v.Units, u)
		}
	}
	if slices.Contains(v.Forms, string(models.ActRecategorize)) {
		for _, cat := range s.consoleCategories(lang) {
			if cat.Value != t.Category {
				v.Categories = append(v.Categories, cat)
			}
		}
	}
	due := t.ResolveDueAt
	if due.IsZero() {
		due = time.Now()
	}
	v.DefaultDueAt = due.AddDate(0, 0, 3).In(models.VietnamTime).Format("2006-01-02T15:04")
	if set, ok := s.svc.Boundaries.SetFor(t.BoundarySet); ok { // the map that routed it
		if area, ok := set.Area(t.AreaCode); ok {
			v.Map = s.pages.pinMap(area, t.Location)
		}
	}
	return v, nil
}

// nameStaff splits the history into its public and internal parts with the officials in it
// named (app.Tickets.StaffNames) rather than shown as account ids, and names the assignee.
func (s *consoleUI) nameStaff(c *fiber.Ctx, t *models.Ticket, v *consoleTicketView) error {
	ids := []string{t.AssignedTo}
	for _, e := range t.History {
		if e.ActorRole != models.RoleResident && e.ActorRole != models.RoleSystem {
			ids = append(ids, e.ActorID)
		}
	}
	names, err := s.svc.Tickets.StaffNames(c.UserContext(), principal(c), ids)
	if err != nil {
		return err
	}
	for _, e := range v.T.History {
		if name := names[e.Actor]; name != "" && e.ActorRole != models.RoleResident {
			e.Actor = name
		}
		if e.Visibility == models.Public {
			v.Public = append(v.Public, e)
		} else {
			v.Internal = append(v.Internal, e)
		}
	}
	if t.AssignedTo != "" {
		v.Assignee = names[t.AssignedTo]
		if v.Assignee == "" {
			v.Assignee = t.AssignedTo // an account deleted since
		}
	}
	return nil
}

func (s *consoleUI) consoleTicket(c *fiber.Ctx) error {
	t, err := s.svc.Tickets.Ticket(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	v, err := s.consoleTicketData(c, t)
	if err != nil {
		return err
	}
	var flash *consoleFlash
	if done := c.Query("done"); done != "" {
		lang := s.consoleLang(c)
		flash = &consoleFlash{Kind: "ok", Message: translate(lang, "ticket.done") + ": " + translate(lang, "action."+done)}
	}
	return s.consoleRender(c, fiber.StatusOK, "ticket", "ticket.title", flash, v)
}

// consoleAct performs one action from a ticket page form through app.Tickets.Act, with the
// version the page showed as the compare-and-set: if someone else acted first, the page comes
// back with the ticket as it is now and says so.
func (s *consoleUI) consoleAct(c *fiber.Ctx) error {
	p := principal(c)
	id := c.Params("id")
	in, err := s.consoleActionInput(c, p)
	if err == nil && in.Action == models.ActResolve {
		in.Media, err = s.consoleUploads(c, p)
	}
	if err == nil {
		_, err = s.svc.Tickets.Act(c.UserContext(), p, id, in)
	}
	if err == nil {
		return c.Redirect(consolePrefix+"/tickets/"+url.PathEscape(id)+"?done="+url.QueryEscape(string(in.Action)), fiber.StatusSeeOther)
	}
	status := statusOf(models.ErrorCode(err))
	if status >= 500 {
		return err
	}
	t, rerr := s.svc.Tickets.Ticket(c.UserContext(), p, id)
	if rerr != nil {
		return err // the ticket itself is gone or invisible: the plain error page
	}
	v, rerr := s.consoleTicketData(c, t)
	if rerr != nil {
		return rerr
	}
	flash := &consoleFlash{Kind: "error", Message: models.ErrorMessage(err)}
	if status == fiber.StatusConflict {
		flash = &consoleFlash{Kind: "conflict", Message: translate(s.consoleLang(c), "ticket.conflict") + " (" + models.ErrorMessage(err) + ")"}
	}
	return s.consoleRender(c, status, "ticket", "ticket.title", flash, v)
}

// consoleActionInput reads an action form into the app's input (the same vocabulary as the
// API's action body).
func (s *consoleUI) consoleActionInput(c *fiber.Ctx, p models.Principal) (app.ActionInput, error) {
	in := app.ActionInput{
		Action: models.Action(c.FormValue("action")), Note: c.FormValue("note"), Visibility: models.Visibility(c.FormValue("visibility")),
		Reason: c.FormValue("reason"), Outcome: models.Outcome(c.FormValue("outcome")), Unit: c.FormValue("unit"),
		Officer: strings.TrimSpace(c.FormValue("officer")), Category: strings.TrimSpace(c.FormValue("category")),
		Description: c.FormValue("description"),
	}
	if in.Action == models.ActHideFromPublic { // the photos ticked to hide
		for _, id := range c.Request().PostArgs().PeekMulti("media") {
			in.Media = append(in.Media, string(id))
		}
	}
	v, err := (&actionRequest{}).expectedVersion(`"` + c.FormValue("expected_version") + `"`)
	if err != nil {
		return in, models.FieldError(models.EInvalid, "expected_version", "the form has no valid ticket version; reload the page")
	}
	in.ExpectedVersion = v
	if raw := strings.TrimSpace(c.FormValue("due_at")); raw != "" {
		if in.DueAt, err = time.ParseInLocation("2006-01-02T15:04", raw, models.VietnamTime); err != nil {
			return in, models.FieldError(models.EInvalid, "due_at", "the new deadline must be a date and time")
		}
	}
	if dup := strings.TrimSpace(c.FormValue("duplicate_of")); dup != "" {
		in.DuplicateOf = dup
		if strings.Contains(dup, "-") { // a human code such as LX-2026-000123: find its id
			page, err := s.svc.Tickets.Queue(c.UserContext(), p, app.QueueParams{Q: dup, Limit: 10})
			if err != nil {
				return in, err
			}
			for _, t := range page.Tickets {
				if strings.EqualFold(t.Code, dup) {
					in.DuplicateOf = t.ID
				}
			}
		}
	}
	return in, nil
}

// consoleUploads stores the photos of a resolve form (field "photos") through the same use case
// as POST /v1/media and returns their ids for the action. The page's script shrinks photos in
// the browser first, so a form stays within the body limit; without the script a form of
// small photos still works. Photos of an action that then fails stay unattached and are
// collected by the media sweeper.
func (s *consoleUI) consoleUploads(c *fiber.Ctx, p models.Principal) ([]string, error) {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		return nil, nil
	}
	form, err := c.MultipartForm()
	if err != nil {
		return nil, models.WrapError(models.EInvalid, err, "the form could not be read")
	}
	var ids []string
	for _, fh := range form.File["photos"] {
		if fh.Size == 0 {
			continue // the empty part a browser sends for a file input left empty
		}
		f, err := fh.Open()
		if err != nil {
			return nil, models.WrapError(models.EInvalid, err, "the photo %q could not be read", fh.Filename)
		}
		m, _, err := s.svc.Media.UploadMedia(c.UserContext(), p, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		ids = append(ids, m.ID)
	}
	return ids, nil
}

// consoleMedia sends a photo of a ticket the official may read (app.Media.MediaFile decides,
// as for GET /v1/media/{id}), in the thumb or large rendition.
func (s *consoleUI) consoleMedia(c *fiber.Ctx) error {
	size := c.Query("size", models.SizeThumb)
	if size != models.SizeThumb && size != models.SizeLarge {
		return models.FieldError(models.EInvalid, "size", "size must be thumb or large")
	}
	f, err := s.svc.Media.MediaFile(c.UserContext(), principal(c), c.Params("id"), size)
	if err != nil {
		return err
	}
	r, n, err := s.svc.Media.OpenMediaBlob(c.UserContext(), f.Key, 0)
	if err != nil {
		return err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return fmt.Errorf("read media %s: %w", f.Key, err)
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderCacheControl, "no-store") // a ticket's photo: see securityHeaders
	c.Set(fiber.HeaderETag, `"`+f.Key+`"`)
	return c.Send(data)
}
