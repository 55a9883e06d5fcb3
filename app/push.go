package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"phananh/models"
)

// PushConfig tunes the push outbox and its dispatcher; DefaultPushConfig gives the defaults.
type PushConfig struct {
	// TTL is how long FCM keeps trying to reach an offline phone. A status push older than a
	// few days only confuses, and the app shows the current state anyway.
	TTL time.Duration
	// Batch is the number of messages claimed and sent per SendEach call (FCM allows 500).
	Batch int
	// Lease is how long a claimed batch belongs to one dispatcher; it must exceed the time a
	// SendEach of a full batch can take (the SDK itself retries 503s for a few seconds), or
	// another instance could send the same messages again.
	Lease time.Duration
	// Interval is the pause between cycles when the outbox had nothing due.
	Interval time.Duration
	// BaseBackoff doubles per attempt up to MaxBackoff; a random 50–100 % of it is used
	// (jitter), and never less than the Retry-After FCM asked for.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// MaxAge is how long after enqueueing a message keeps being retried before it is
	// dead-lettered: a notification days late is worse than none.
	MaxAge time.Duration
	// MetricsEvery is how often the dispatcher logs its counters even when idle.
	MetricsEvery time.Duration
}

// DefaultPushConfig returns the production defaults.
func DefaultPushConfig() PushConfig {
	return PushConfig{
		TTL:          72 * time.Hour,
		Batch:        500,
		Lease:        2 * time.Minute,
		Interval:     time.Second,
		BaseBackoff:  10 * time.Second,
		MaxBackoff:   30 * time.Minute,
		MaxAge:       24 * time.Hour,
		MetricsEvery: time.Minute,
	}
}

// PushMessageID is the outbox id of the message of one ticket version to one device token:
// deterministic, so enqueueing twice is a no-op, and opaque, so the token never shows in ids
// the phone sees (message_id). The token is hashed because it can be kilobytes long.
func PushMessageID(ticketID string, version int, token string) string {
	h := sha256.Sum256([]byte(token))
	return ticketID + "-" + strconv.Itoa(version) + "-" + hex.EncodeToString(h[:12])
}

// PushOutbox is the Effect that turns a ticket change into outbox messages, one per recipient
// device. It only writes to the store; the Dispatcher delivers. Apply is idempotent: ids are
// derived from (ticket, version, device) and the store inserts only absent ids, so a replay by
// the effects sweeper adds nothing that was already there.
type PushOutbox struct {
	store Store
	cfg   PushConfig
	now   func() time.Time
	log   *slog.Logger

	mu   sync.Mutex
	cats map[string]models.Category // cached; reloaded when an unknown code shows up

	enqueued atomic.Int64
}

// NewPushOutbox builds the push Effect.
func NewPushOutbox(store Store, cfg PushConfig, now func() time.Time, log *slog.Logger) *PushOutbox {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PushOutbox{store: store, cfg: cfg, now: now, log: log}
}

// Enqueued counts messages this process inserted into the outbox (the "queued" metric).
func (o *PushOutbox) Enqueued() int64 { return o.enqueued.Load() }

var _ Effect = (*PushOutbox)(nil)

// Apply enqueues the pushes of version (event e) of t.
func (o *PushOutbox) Apply(ctx context.Context, t *models.Ticket, version int, e models.Event) error {
	if err := o.announce(ctx, t, version, e); err != nil {
		return err
	}
	groups, err := o.recipients(ctx, t, version, e)
	if err != nil || len(groups) == 0 {
		return err
	}
	cat, err := o.category(ctx, t.Category)
	if err != nil {
		return err
	}
	now := o.now().UTC().Truncate(time.Millisecond)
	for _, g := range groups {
		if err := o.enqueue(ctx, t, version, e, cat, g.aud, g.users, now); err != nil {
			return err
		}
	}
	return nil
}

// enqueue stores the notifications of version (event e) of t for users of one audience and
// enqueues a push to each of their devices.
func (o *PushOutbox) enqueue(ctx context.Context, t *models.Ticket, version int, e models.Event, cat models.Category,
	aud audience, users []string, now time.Time) error {
	if aud == audienceResidents {
		if _, err := o.store.AddNotifications(ctx, o.inbox(t, version, e, cat, users, now)); err != nil {
			return fmt.Errorf("add the notifications of %s v%d: %w", t.ID, version, err)
		}
	}
	devs, err := o.store.DevicesOfUsers(ctx, users)
	if err != nil || len(devs) == 0 {
		return err
	}
	msgs := make([]models.PushMessage, 0, len(devs))
	public, _ := PublicEvent(e)
	for _, d := range devs {
		ev := e
		if aud == audienceResidents && d.UserID != t.ReporterID {
			ev = public // a follower reads what the public view shows
		}
		txt := render(aud, t, cat, ev, d.English(), o.escalationLevel(t, version))
		id := PushMessageID(t.ID, version, d.Token)
		m := models.PushMessage{
			ID: id, TicketID: t.ID, Version: version, Event: string(e.Action), UserID: d.UserID, Token: d.Token, Platform: d.Platform,
			Title: txt.title, Body: txt.body,
			Data: map[string]string{
				"ticket_id": t.ID, "code": t.Code, "state": string(e.To), "event": string(e.Action), "message_id": id,
			},
			CollapseKey: "ticket-" + t.ID,
			Urgent:      cat.Priority == models.PriorityUrgent || aud == audienceOfficials && e.Action == models.ActEscalate,
			TTL:         o.cfg.TTL, State: models.PushQueued, CreatedAt: now, NextAttemptAt: now,
		}
		FitPayload(&m)
		msgs = append(msgs, m)
	}
	n, err := o.store.EnqueuePush(ctx, msgs)
	if err != nil {
		return fmt.Errorf("enqueue pushes of %s v%d: %w", t.ID, version, err)
	}
	o.enqueued.Add(int64(n))
	return nil
}

// inbox is the notification of version (event e) of t for each resident in users, in both
// languages, with the text a push to their phone has: a follower reads what the public view
// shows.
func (o *PushOutbox) inbox(t *models.Ticket, version int, e models.Event, cat models.Category, users []string, now time.Time) []models.Notification {
	public, _ := PublicEvent(e)
	out := make([]models.Notification, 0, len(users))
	for _, u := range users {
		ev := e
		if u != t.ReporterID {
			ev = public
		}
		vi, en := render(audienceResidents, t, cat, ev, false, 0), render(audienceResidents, t, cat, ev, true, 0)
		out = append(out, models.Notification{ID: NotificationID(t.ID, version, u), UserID: u, TicketID: t.ID, Code: t.Code,
			Version: version, Event: string(e.Action), Title: vi.title, Body: vi.body, TitleEN: en.title, BodyEN: en.body, CreatedAt: now})
	}
	return out
}

// announce enqueues the ward announcement of a resolution: one message to the FCM topic of
// the ticket's area, for the residents subscribed to it (POST /v1/subscriptions). Only public
// tickets are announced — neither a private ticket (ANTT, ASXH …) nor one whose category was
// made private since —, and the text names the category, the ward, the code and the outcome
// only: never the description, the address, the officials' note or anything of the reporter.
// Its id is derived from (ticket, version, topic), so a replay adds nothing.
func (o *PushOutbox) announce(ctx context.Context, t *models.Ticket, version int, e models.Event) error {
	if e.Action != models.ActResolve || e.Visibility != models.Public || t.Private || t.AreaCode == "" {
		return nil
	}
	cat, err := o.category(ctx, t.Category)
	if err != nil || cat.Private {
		return err
	}
	topic := models.AreaTopic(t.BoundarySet, t.AreaCode)
	now := o.now().UTC().Truncate(time.Millisecond)
	id := PushMessageID(t.ID, version, "topic:"+topic)
	body := fmt.Sprintf("%s (%s).", cat.Name, t.Code)
	if txt := outcomeText(e.Outcome, false); txt != "" {
		body = fmt.Sprintf("%s (%s): kết quả %s.", cat.Name, t.Code, txt)
	}
	m := models.PushMessage{
		ID: id, TicketID: t.ID, Version: version, Event: string(e.Action), Topic: topic,
		Title: "Phản ánh tại " + t.AreaName + " đã được xử lý", Body: body,
		Data: map[string]string{
			"ticket_id": t.ID, "code": t.Code, "state": string(e.To), "event": string(e.Action), "message_id": id, "area_code": t.AreaCode,
		},
		CollapseKey: "ticket-" + t.ID, TTL: o.cfg.TTL, State: models.PushQueued, CreatedAt: now, NextAttemptAt: now,
	}
	FitPayload(&m)
	n, err := o.store.EnqueuePush(ctx, []models.PushMessage{m})
	if err != nil {
		return fmt.Errorf("enqueue the announcement of %s v%d: %w", t.ID, version, err)
	}
	o.enqueued.Add(int64(n))
	return nil
}

type audience int

const (
	audienceResidents audience = iota + 1
	audienceOfficials
)

// residentEvents are the public changes the reporter and followers hear about.
var residentEvents = []models.Action{
	models.ActSubmit, models.ActAccept, models.ActStart, models.ActRequestInfo, models.ActApproveExt, models.ActResolve,
	models.ActAutoClose, models.ActRate, models.ActReopen, models.ActReject, models.ActMarkDuplicate, models.ActMerge, models.ActTransfer,
	models.ActWithdraw, models.ActNote, models.ActProvideInfo, models.ActRecategorize,
	models.ActCloseNoResponse,
}

// reporterEvents are the internal events only the reporter hears about: the reminder to answer
// a request for information, and the ticket going back to the unit unanswered. They concern
// the reporter's own answer, which followers and the public never read.
var reporterEvents = []models.Action{models.ActRemindInfo, models.ActReturnToUnit}

// recipientGroup is who of one audience hears about an event.
type recipientGroup struct {
	aud   audience
	users []string
}

// recipients decides who hears about event e (audience): residents (the reporter and followers)
// for public events; officials for assignment, reminders, escalation and what the reporter added
// to their report (the assigned officer, or the unit's officers and leaders); and, besides the
// residents, the officers and leaders of the unit a transfer or a recategorization sends the
// ticket to, which would otherwise learn of it only from the queue. Whoever performed the action
// is left out (their own app already shows it), except the reporter's own submission.
func (o *PushOutbox) recipients(ctx context.Context, t *models.Ticket, version int, e models.Event) ([]recipientGroup, error) {
	aud, users, err := o.audience(ctx, t, version, e)
	if err != nil {
		return nil, err
	}
	groups := []recipientGroup{{aud, users}}
	if (e.Action == models.ActTransfer || e.Action == models.ActRecategorize) && e.UnitID != "" {
		ids, err := o.store.UserIDsOf(ctx, e.UnitID, []models.Role{models.RoleOfficer, models.RoleLeader})
		if err != nil {
			return nil, err
		}
		groups = append(groups, recipientGroup{audienceOfficials, ids})
	}
	// The acknowledgement of a new report is for its author: it tells them where it went and
	// when it is due.
	actor := e.ActorID
	if e.Action == models.ActSubmit {
		actor = ""
	}
	out := groups[:0]
	for _, g := range groups {
		slices.Sort(g.users)
		g.users = slices.Compact(g.users)
		g.users = slices.DeleteFunc(g.users, func(u string) bool { return u == "" || u == actor })
		if len(g.users) > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// audience is the one audience of event e other than a receiving unit (recipients), with its
// users before the actor is left out.
func (o *PushOutbox) audience(ctx context.Context, t *models.Ticket, version int, e models.Event) (audience, []string, error) {
	var aud audience
	var users []string
	switch a := e.Action; {
	case e.Visibility == models.Public && slices.Contains(residentEvents, a):
		aud = audienceResidents
		users = []string{t.ReporterID}
		// Followers hear about a public report only: one the IOC made private (set_private)
		// or moved to a private category has left their lists, and its news with it.
		cat, err := o.category(ctx, t.Category)
		if err != nil {
			return 0, nil, err
		}
		if !t.Private && !cat.Private {
			users = append(users, t.Followers...)
		}
	case slices.Contains(reporterEvents, a):
		aud, users = audienceResidents, []string{t.ReporterID}
	case a == models.ActAssign:
		aud = audienceOfficials
		// The officer named by this assignment. The event names them by username only, so the
		// ticket's current assignee is used: the same person unless a later assignment (whose
		// own push goes to the new officer) replaced them before a replay.
		if t.AssignedTo != "" {
			users = []string{t.AssignedTo}
		}
	case a == models.ActRemind, a == models.ActEscalate, a == models.ActAddComment:
		aud = audienceOfficials
		roles := []models.Role{models.RoleOfficer, models.RoleLeader}
		unit := t.UnitID
		switch {
		case a == models.ActEscalate && o.escalationLevel(t, version) >= 2:
			unit, roles = "", []models.Role{models.RoleIOCOperator}
		case a == models.ActEscalate:
			roles = []models.Role{models.RoleLeader}
		case t.AssignedTo != "":
			users = []string{t.AssignedTo} // a reminder or an addition goes to the officer doing the work
			roles = nil
		}
		if roles != nil {
			ids, err := o.store.UserIDsOf(ctx, unit, roles)
			if err != nil {
				return 0, nil, err
			}
			users = ids
			if a == models.ActEscalate && t.AssignedTo != "" && unit != "" {
				users = append(users, t.AssignedTo)
			}
		}
	default:
		return 0, nil, nil
	}
	return aud, users, nil
}

// escalationLevel counts the escalations of the current deadline up to version: the second one
// goes to the IOC. A transfer, reopen or approved extension restarts the count, as the SLA
// worker's own level does.
func (o *PushOutbox) escalationLevel(t *models.Ticket, version int) int {
	level := 0
	for i := 0; i < version && i < len(t.History); i++ {
		switch t.History[i].Action {
		case models.ActEscalate:
			level++
		case models.ActTransfer, models.ActReopen, models.ActApproveExt, models.ActAccept, models.ActProvideInfo:
			level = 0
		}
	}
	return level
}

// category returns the ticket's category from a cache of the catalog, reloading it once when
// the code is unknown (a category added since).
func (o *PushOutbox) category(ctx context.Context, code string) (models.Category, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if c, ok := o.cats[code]; ok {
		return c, nil
	}
	cats, err := o.store.Categories(ctx)
	if err != nil {
		return models.Category{}, err
	}
	o.cats = make(map[string]models.Category, len(cats))
	for _, c := range cats {
		o.cats[c.Code] = c
	}
	return o.cats[code], nil
}

// FitPayload makes the message fit FCM's 4,096-byte limit on notification plus data by
// shortening the body (at a rune boundary, with an ellipsis); the data payload is small and
// fixed, and the title is short by construction.
func FitPayload(m *models.PushMessage) {
	over := PayloadSize(m) - models.MaxPushPayloadSize
	if over <= 0 {
		return
	}
	// JSON escaping can make a byte of body cost up to six bytes; cut generously, then check.
	body := m.Body
	for over > 0 && body != "" {
		cut := len(body) - max(over, 1)
		if cut < 0 {
			cut = 0
		}
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut]
		m.Body = body + "…"
		over = PayloadSize(m) - models.MaxPushPayloadSize
	}
	if over > 0 {
		m.Body = ""
	}
}

// PayloadSize is the size FCM counts: the JSON of the notification and the data.
func PayloadSize(m *models.PushMessage) int {
	b, _ := json.Marshal(struct {
		Title string            `json:"title"`
		Body  string            `json:"body"`
		Data  map[string]string `json:"data"`
	}{m.Title, m.Body, m.Data})
	return len(b)
}

type pushText struct{ title, body string }

// pushWords is what the notifications of one ticket are made of, in one language.
type pushWords struct {
	code, unit, area, catName string
	en                        bool
}

// pick chooses the Vietnamese or the English text.
func (w pushWords) pick(vi, english string) string {
	if w.en {
		return english
	}
	return vi
}

// pushDate writes a deadline as residents and officials read it, in Vietnamese time.
func pushDate(tm time.Time) string {
	if tm.IsZero() {
		return "—"
	}
	return tm.In(models.VietnamTime).Format("15:04 02/01/2006")
}

// render writes the notification of event e in Vietnamese, or English when en.
func render(aud audience, t *models.Ticket, cat models.Category, e models.Event, en bool, level int) pushText {
	w := pushWords{code: t.Code, unit: t.UnitName, area: t.AreaName, catName: cat.Name, en: en}
	if en && cat.NameEN != "" {
		w.catName = cat.NameEN
	}
	if aud == audienceOfficials {
		return w.officials(t, e, level)
	}
	return w.residents(t, e)
}

// officials writes the notification of an assignment, a ticket sent to the unit, a reminder,
// the reporter's addition or an escalation (level 2: to the IOC).
func (w pushWords) officials(t *models.Ticket, e models.Event, level int) pushText {
	code, unit, area, catName, pick, date := w.code, w.unit, w.area, w.catName, w.pick, pushDate
	switch e.Action {
	case models.ActAssign:
		return pushText{pick("Bạn được giao phản ánh "+code, "New assignment: "+code),
			pick(fmt.Sprintf("%s tại %s. Hạn xử lý: %s.", catName, area, date(t.DueAt)),
				fmt.Sprintf("%s in %s. Due %s.", catName, area, date(t.DueAt)))}
	case models.ActRemind:
		return pushText{pick("Sắp đến hạn: "+code, "Deadline approaching: "+code),
			pick(fmt.Sprintf("%s tại %s phải xử lý trước %s.", catName, area, date(t.DueAt)),
				fmt.Sprintf("%s in %s is due %s.", catName, area, date(t.DueAt)))}
	case models.ActTransfer, models.ActRecategorize:
		return pushText{pick("Phản ánh chuyển đến đơn vị: "+code, "Sent to your unit: "+code),
			pick(fmt.Sprintf("%s tại %s. Hạn xử lý: %s.", catName, area, date(t.DueAt)),
				fmt.Sprintf("%s in %s. Due %s.", catName, area, date(t.DueAt)))}
	case models.ActAddComment: // what was added is read in the console, never sent through FCM
		return pushText{pick("Người dân bổ sung phản ánh "+code, "Reporter added to "+code),
			pick(fmt.Sprintf("%s tại %s: người phản ánh đã bổ sung %s.", catName, area, addedText(e, false)),
				fmt.Sprintf("%s in %s: the reporter added %s.", catName, area, addedText(e, true)))}
	default: // escalate
		if level >= 2 {
			return pushText{pick("Quá hạn, chuyển IOC: "+code, "Overdue, escalated to the IOC: "+code),
				pick(fmt.Sprintf("%s (%s) vẫn chưa được xử lý, hạn %s.", unit, catName, date(t.DueAt)),
					fmt.Sprintf("%s (%s) is still overdue since %s.", unit, catName, date(t.DueAt)))}
		}
		return pushText{pick("Quá hạn: "+code, "Overdue: "+code),
			pick(fmt.Sprintf("%s tại %s đã quá hạn %s.", catName, area, date(t.DueAt)),
				fmt.Sprintf("%s in %s missed its deadline %s.", catName, area, date(t.DueAt)))}
	}
}

// residents writes the notification of a public event for the reporter and followers.
func (w pushWords) residents(t *models.Ticket, e models.Event) pushText {
	code, unit, area, pick, date := w.code, w.unit, w.area, w.pick, pushDate
	switch e.Action {
	case models.ActSubmit:
		return pushText{pick("Đã nhận phản ánh "+code, "Report "+code+" received"),
			pick(fmt.Sprintf("Phản ánh đã được chuyển đến %s, %s. Hạn xử lý: %s.", unit, area, date(t.ResolveDueAt)),
				fmt.Sprintf("Your report went to %s, %s. Due %s.", unit, area, date(t.ResolveDueAt)))}
	case models.ActAccept:
		return pushText{pick("Phản ánh "+code+" đã được thụ lý", "Report "+code+" accepted"),
			pick(fmt.Sprintf("%s đã nhận xử lý. Hạn giải quyết: %s.", unit, date(t.ResolveDueAt)),
				fmt.Sprintf("%s is handling it. Due %s.", unit, date(t.ResolveDueAt)))}
	case models.ActStart, models.ActProvideInfo:
		return pushText{pick("Phản ánh "+code+" đang được xử lý", "Report "+code+" in progress"),
			pick(unit+" đang xử lý phản ánh.", unit+" is working on it.")}
	case models.ActRequestInfo:
		return pushText{pick("Phản ánh "+code+" cần bạn bổ sung thông tin", "Report "+code+": awaiting your information"),
			withNote(pick(unit+" cần thêm thông tin", unit+" needs more information"), e.Note)}
	case models.ActApproveExt:
		due := e.DueAt
		if due.IsZero() {
			due = t.ResolveDueAt
		}
		return pushText{pick("Phản ánh "+code+" được gia hạn", "Extension granted for "+code),
			pick("Thời hạn xử lý mới: "+date(due)+".", "New deadline: "+date(due)+".")}
	case models.ActResolve:
		return pushText{pick("Phản ánh "+code+" đã được xử lý", "Report "+code+" resolved"),
			withNote(pick("Kết quả: "+outcomeText(e.Outcome, false), "Outcome: "+outcomeText(e.Outcome, true)), e.Note)}
	case models.ActAutoClose, models.ActRate:
		return pushText{pick("Phản ánh "+code+" đã đóng", "Report "+code+" closed"),
			pick("Cảm ơn bạn đã phản ánh.", "Thank you for your report.")}
	case models.ActReopen:
		return pushText{pick("Phản ánh "+code+" được mở lại", "Report "+code+" reopened"),
			pick(fmt.Sprintf("%s sẽ xử lý lại. Hạn mới: %s.", unit, date(t.ResolveDueAt)),
				fmt.Sprintf("%s will work on it again. Due %s.", unit, date(t.ResolveDueAt)))}
	case models.ActReject:
		return pushText{pick("Phản ánh "+code+" không được tiếp nhận", "Report "+code+" rejected"),
			withNote(pick("Lý do: "+rejectText(e.Reason, false), "Reason: "+rejectText(e.Reason, true)), e.Note)}
	case models.ActMarkDuplicate, models.ActMerge:
		return pushText{pick("Phản ánh "+code+" trùng với phản ánh khác", "Report "+code+" is a duplicate"),
			pick("Phản ánh được gộp; bạn sẽ nhận thông báo của phản ánh gốc.", "It was merged; you will be notified about the original report.")}
	case models.ActTransfer:
		return pushText{pick("Phản ánh "+code+" được chuyển đơn vị", "Report "+code+" transferred"),
			pick(fmt.Sprintf("Chuyển đến %s. Hạn xử lý mới: %s.", unit, date(t.ResolveDueAt)),
				fmt.Sprintf("Now at %s. Due %s.", unit, date(t.ResolveDueAt)))}
	case models.ActRecategorize:
		body := pick(fmt.Sprintf("Lĩnh vực mới: %s. Hạn xử lý: %s.", w.catName, date(t.ResolveDueAt)),
			fmt.Sprintf("New category: %s. Due %s.", w.catName, date(t.ResolveDueAt)))
		if e.UnitName != "" {
			body = pick(fmt.Sprintf("Lĩnh vực mới: %s, chuyển đến %s. Hạn xử lý: %s.", w.catName, unit, date(t.ResolveDueAt)),
				fmt.Sprintf("New category: %s, now at %s. Due %s.", w.catName, unit, date(t.ResolveDueAt)))
		}
		return pushText{pick("Phản ánh "+code+" được phân loại lại", "Report "+code+" recategorized"), body}
	case models.ActRemindInfo:
		return pushText{pick("Nhắc bổ sung thông tin cho phản ánh "+code, "Reminder: report "+code+" awaits your information"),
			pick(fmt.Sprintf("%s vẫn chờ thông tin bạn bổ sung, đến %s.", unit, date(e.DueAt)),
				fmt.Sprintf("%s is still waiting for your answer, until %s.", unit, date(e.DueAt)))}
	case models.ActCloseNoResponse:
		return pushText{pick("Phản ánh "+code+" đã đóng do không nhận được phản hồi", "Report "+code+" closed: no answer received"),
			pick("Bạn chưa bổ sung thông tin trong thời hạn. Bạn vẫn có thể mở lại phản ánh trong thời gian cho phép.",
				"You did not answer in time. You may still reopen the report while reopening is allowed.")}
	case models.ActReturnToUnit:
		return pushText{pick("Phản ánh "+code+" tiếp tục được xử lý", "Report "+code+" back in progress"),
			pick(fmt.Sprintf("Hết thời gian chờ thông tin bổ sung; %s tiếp tục xử lý. Hạn xử lý: %s.", unit, date(t.ResolveDueAt)),
				fmt.Sprintf("The wait for your answer ended; %s continues. Due %s.", unit, date(t.ResolveDueAt)))}
	case models.ActWithdraw:
		return pushText{pick("Phản ánh "+code+" đã được rút", "Report "+code+" withdrawn"),
			pick("Người phản ánh đã rút phản ánh.", "The reporter withdrew the report.")}
	}
	return pushText{pick("Cập nhật phản ánh "+code, "Update on report "+code), e.Note}
}

// addedText names what an add_comment added: a comment, photos or both.
func addedText(e models.Event, en bool) string {
	switch {
	case e.Note != "" && len(e.Media) > 0:
		if en {
			return fmt.Sprintf("a comment and %d photo(s)", len(e.Media))
		}
		return fmt.Sprintf("ý kiến và %d ảnh/video", len(e.Media))
	case len(e.Media) > 0:
		if en {
			return fmt.Sprintf("%d photo(s)", len(e.Media))
		}
		return fmt.Sprintf("%d ảnh/video", len(e.Media))
	case en:
		return "a comment"
	}
	return "ý kiến"
}

func withNote(s, note string) string {
	if note == "" {
		return s + "."
	}
	return s + ": " + note
}

func outcomeText(o models.Outcome, en bool) string {
	vi := map[models.Outcome]string{models.OutcomeFixed: "đã khắc phục", models.OutcomePartiallyFixed: "khắc phục một phần",
		models.OutcomeNotFixable: "không thể khắc phục", models.OutcomeNotResponsible: "không thuộc thẩm quyền",
		models.OutcomeNoResponse: "không phản hồi"}
	english := map[models.Outcome]string{models.OutcomeFixed: "fixed", models.OutcomePartiallyFixed: "partially fixed",
		models.OutcomeNotFixable: "cannot be fixed", models.OutcomeNotResponsible: "not our responsibility",
		models.OutcomeNoResponse: "no response"}
	if en {
		return english[o]
	}
	return vi[o]
}

func rejectText(reason string, en bool) string {
	vi := map[string]string{"insufficient_info": "thiếu thông tin", "not_a_real_problem": "không phải sự việc cần xử lý",
		"outside_competence": "không thuộc thẩm quyền", "abusive_content": "nội dung không phù hợp", "duplicate": "trùng lặp", "other": "khác"}
	english := map[string]string{"insufficient_info": "insufficient information", "not_a_real_problem": "not an actual problem",
		"outside_competence": "outside our competence", "abusive_content": "abusive content", "duplicate": "duplicate", "other": "other"}
	m := vi
	if en {
		m = english
	}
	if s, ok := m[reason]; ok {
		return s
	}
	return reason
}
