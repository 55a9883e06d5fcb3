package mongodb

import (
	"time"

	"phananh/models"
)

// This file maps models to the stored document shapes and back. Field names are snake_case
// without dots (FerretDB v1 rejects dotted keys). Times are stored as BSON datetimes, which keep
// milliseconds only; they are written and returned in UTC. Times that mean "not yet" (a refresh
// token's use or revocation, a user's lockout) are stored absent rather than as year 1, so that
// filters such as "not used yet" are a plain $exists test.

// utc normalises a time for storage and for callers: BSON datetimes carry no zone.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// optTime stores a zero time as an absent field.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// fromOptTime is the inverse of optTime.
func fromOptTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return utc(*t)
}

// Login key prefixes of users; see the comment on indexes in mongodb.go.
const (
	phoneKeyPrefix    = "phone:"
	usernameKeyPrefix = "user:"
	noLoginKeyPrefix  = "none:"
)

func phoneKey(phone string) string       { return phoneKeyPrefix + phone }
func usernameKey(username string) string { return usernameKeyPrefix + username }

type userDoc struct {
	ID           string `bson:"_id"`
	Role         string `bson:"role"`
	Phone        string `bson:"phone"`
	Username     string `bson:"username"`
	PhoneKey     string `bson:"phone_key"`
	UsernameKey  string `bson:"username_key"`
	PasswordHash string `bson:"password_hash"`
	UnitID       string `bson:"unit_id"`
	DisplayName  string `bson:"display_name"`
	// Title is absent in documents of releases before it: no position.
	Title     string    `bson:"title,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	Disabled  bool      `bson:"disabled"`
	// Absent in documents of releases before it: false, as those accounts chose their passwords.
	PasswordChangeRequired bool `bson:"password_change_required,omitempty"`
	// Absent in documents of releases before accounts administration: "" and generation 0,
	// which is what the tokens issued before it imply.
	DisabledReason  string `bson:"disabled_reason,omitempty"`
	TokenGeneration int    `bson:"token_generation,omitempty"`
	// Absent before the second factor: none.
	TOTPSecret    string   `bson:"totp_secret,omitempty"`
	TOTPPending   string   `bson:"totp_pending,omitempty"`
	RecoveryCodes []string `bson:"recovery_codes,omitempty"`
}

func toUserDoc(u *models.User) userDoc {
	d := userDoc{
		ID:           u.ID,
		Role:         string(u.Role),
		Phone:        u.Phone,
		Username:     u.Username,
		PhoneKey:     noLoginKeyPrefix + u.ID,
		UsernameKey:  noLoginKeyPrefix + u.ID,
		PasswordHash: u.PasswordHash,
		UnitID:       u.UnitID,
		DisplayName:  u.DisplayName,
		Title:        u.Title,
		CreatedAt:    utc(u.CreatedAt),
		Disabled:     u.Disabled,

		PasswordChangeRequired: u.PasswordChangeRequired,
		DisabledReason:         u.DisabledReason,
		TokenGeneration:        u.TokenGeneration,
		TOTPSecret:             u.TOTPSecret,
		TOTPPending:            u.TOTPPending,
		RecoveryCodes:          u.RecoveryCodes,
	}
	if u.Phone != "" {
		d.PhoneKey = phoneKey(u.Phone)
	}
	if u.Username != "" {
		d.UsernameKey = usernameKey(u.Username)
	}
	return d
}

func (d *userDoc) model() *models.User {
	return &models.User{
		ID:           d.ID,
		Role:         models.Role(d.Role),
		Phone:        d.Phone,
		Username:     d.Username,
		PasswordHash: d.PasswordHash,
		UnitID:       d.UnitID,
		DisplayName:  d.DisplayName,
		Title:        d.Title,
		CreatedAt:    utc(d.CreatedAt),
		Disabled:     d.Disabled,

		PasswordChangeRequired: d.PasswordChangeRequired,
		DisabledReason:         d.DisabledReason,
		TokenGeneration:        d.TokenGeneration,
		TOTPSecret:             d.TOTPSecret,
		TOTPPending:            d.TOTPPending,
		RecoveryCodes:          d.RecoveryCodes,
	}
}

type otpDoc struct {
	Phone     string    `bson:"_id"`
	CodeHash  string    `bson:"code_hash"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	Attempts  int       `bson:"attempts"`
	// The earlier codes, oldest first; absent when there is none (and in challenges stored
	// before it existed).
	Earlier []otpCodeDoc `bson:"earlier_codes,omitempty"`
}

type otpCodeDoc struct {
	CodeHash  string    `bson:"code_hash"`
	ExpiresAt time.Time `bson:"expires_at"`
}

func toOTPCodeDocs(codes []models.OTPCode) []otpCodeDoc {
	out := make([]otpCodeDoc, 0, len(codes))
	for _, k := range codes {
		out = append(out, otpCodeDoc{CodeHash: k.Hash, ExpiresAt: utc(k.ExpiresAt)})
	}
	return out
}

func (d *otpDoc) model() *models.OTPChallenge {
	c := &models.OTPChallenge{
		Phone:     d.Phone,
		CodeHash:  d.CodeHash,
		CreatedAt: utc(d.CreatedAt),
		ExpiresAt: utc(d.ExpiresAt),
		Attempts:  d.Attempts,
	}
	for _, k := range d.Earlier {
		c.Earlier = append(c.Earlier, models.OTPCode{Hash: k.CodeHash, ExpiresAt: utc(k.ExpiresAt)})
	}
	return c
}

type refreshTokenDoc struct {
	ID        string     `bson:"_id"`
	FamilyID  string     `bson:"family_id"`
	UserID    string     `bson:"user_id"`
	CreatedAt time.Time  `bson:"created_at"`
	ExpiresAt time.Time  `bson:"expires_at"`
	UsedAt    *time.Time `bson:"used_at,omitempty"`
	RevokedAt *time.Time `bson:"revoked_at,omitempty"`
}

func toRefreshTokenDoc(t *models.RefreshToken) refreshTokenDoc {
	return refreshTokenDoc{
		ID:        t.ID,
		FamilyID:  t.FamilyID,
		UserID:    t.UserID,
		CreatedAt: utc(t.CreatedAt),
		ExpiresAt: utc(t.ExpiresAt),
		UsedAt:    optTime(t.UsedAt),
		RevokedAt: optTime(t.RevokedAt),
	}
}

func (d *refreshTokenDoc) model() *models.RefreshToken {
	return &models.RefreshToken{
		ID:        d.ID,
		FamilyID:  d.FamilyID,
		UserID:    d.UserID,
		CreatedAt: utc(d.CreatedAt),
		ExpiresAt: utc(d.ExpiresAt),
		UsedAt:    fromOptTime(d.UsedAt),
		RevokedAt: fromOptTime(d.RevokedAt),
	}
}

// apiKeyDoc is a machine key. Documents of earlier releases lack prefix and the optional times;
// they read as no prefix, never expiring, not revoked and never used.
type apiKeyDoc struct {
	ID         string     `bson:"_id"`
	Name       string     `bson:"name"`
	Scope      string     `bson:"scope"`
	Hash       string     `bson:"hash"`
	Prefix     string     `bson:"prefix,omitempty"`
	CreatedAt  time.Time  `bson:"created_at"`
	ExpiresAt  *time.Time `bson:"expires_at,omitempty"`
	RevokedAt  *time.Time `bson:"revoked_at,omitempty"`
	LastUsedAt *time.Time `bson:"last_used_at,omitempty"`
}

func newAPIKeyDoc(k *models.APIKey) apiKeyDoc {
	return apiKeyDoc{ID: k.ID, Name: k.Name, Scope: string(k.Scope), Hash: k.Hash, Prefix: k.Prefix, CreatedAt: utc(k.CreatedAt),
		ExpiresAt: optTime(k.ExpiresAt), RevokedAt: optTime(k.RevokedAt), LastUsedAt: optTime(k.LastUsedAt)}
}

func (d *apiKeyDoc) model() *models.APIKey {
	return &models.APIKey{
		ID:         d.ID,
		Name:       d.Name,
		Scope:      models.APIKeyScope(d.Scope),
		Hash:       d.Hash,
		Prefix:     d.Prefix,
		CreatedAt:  utc(d.CreatedAt),
		ExpiresAt:  fromOptTime(d.ExpiresAt),
		RevokedAt:  fromOptTime(d.RevokedAt),
		LastUsedAt: fromOptTime(d.LastUsedAt),
	}
}

type boundarySetDoc struct {
	ID         string    `bson:"_id"`
	Name       string    `bson:"name"`
	Areas      int       `bson:"areas"`
	ImportedAt time.Time `bson:"imported_at"`
}

func (d *boundarySetDoc) model() models.BoundarySetInfo {
	return models.BoundarySetInfo{ID: d.ID, Name: d.Name, Areas: d.Areas, ImportedAt: utc(d.ImportedAt)}
}

// boundaryGeoJSONDoc names where a set's GeoJSON is: the chunks of its current generation
// (boundary_chunks.go). The GeoJSON is kept as opaque bytes (BSON binary), not as a BSON document:
// the store never queries geometry (no geospatial operators on FerretDB), GeoJSON property names
// may contain dots, and listing boundary sets must not load megabytes of coordinates.
type boundaryGeoJSONDoc struct {
	ID      string `bson:"_id"`
	GeoJSON []byte `bson:"geojson,omitempty"` // inline, as releases before chunking stored it
	Gen     string `bson:"gen,omitempty"`     // the current generation of chunks
	Chunks  int    `bson:"chunks,omitempty"`
	Length  int64  `bson:"length,omitempty"`
}

type unitDoc struct {
	ID          string `bson:"_id"`
	Kind        string `bson:"kind"`
	Name        string `bson:"name"`
	NameEN      string `bson:"name_en"`
	BoundarySet string `bson:"boundary_set"`
	AreaCode    string `bson:"area_code"`
	Disabled    bool   `bson:"disabled"` // false in documents written before units could be disabled
}

func toUnitDoc(u *models.Unit) unitDoc {
	return unitDoc{
		ID:          u.ID,
		Kind:        string(u.Kind),
		Name:        u.Name,
		NameEN:      u.NameEN,
		BoundarySet: u.BoundarySet,
		AreaCode:    u.AreaCode,
		Disabled:    u.Disabled,
	}
}

func (d *unitDoc) model() models.Unit {
	return models.Unit{
		ID:          d.ID,
		Kind:        models.UnitKind(d.Kind),
		Name:        d.Name,
		NameEN:      d.NameEN,
		BoundarySet: d.BoundarySet,
		AreaCode:    d.AreaCode,
		Disabled:    d.Disabled,
	}
}

type slaDoc struct {
	Value int    `bson:"value"`
	Unit  string `bson:"unit"`
}

type attributeDoc struct {
	Code        string   `bson:"code"`
	Datatype    string   `bson:"datatype"`
	Required    bool     `bson:"required"`
	Description string   `bson:"description"`
	Values      []string `bson:"values"`
}

type categoryDoc struct {
	Code        string `bson:"_id"`
	Group       string `bson:"group"`
	Name        string `bson:"name"`
	NameEN      string `bson:"name_en"`
	Description string `bson:"description"`
	UnitKind    string `bson:"unit_kind"`
	CityLevel   bool   `bson:"city_level"`
	Priority    string `bson:"priority"`
	TriageSLA   slaDoc `bson:"triage_sla"`
	ResolveSLA  slaDoc `bson:"resolve_sla"`
	Private     bool   `bson:"private_by_default"`
	// ContactAllowed decodes as false from documents written before it existed, the safe
	// default (the reporter's identity stays hidden).
	ContactAllowed bool           `bson:"contact_allowed"`
	Emergency      string         `bson:"emergency_number"`
	Attributes     []attributeDoc `bson:"attributes"`
	Active         bool           `bson:"active"`
	PolicyVersion  int            `bson:"policy_version"` // 0 in documents written before versions: 1

	// The cap on waiting for the resident: absent in older documents, which means the
	// defaults (models.Category.InfoWait, InfoWaitAction).
	InfoWaitDays   int    `bson:"info_wait_days,omitempty"`
	InfoWaitPolicy string `bson:"info_wait_policy,omitempty"`
}

func toCategoryDoc(c *models.Category) categoryDoc {
	d := categoryDoc{
		Code:        c.Code,
		Group:       string(c.Group),
		Name:        c.Name,
		NameEN:      c.NameEN,
		Description: c.Description,
		UnitKind:    string(c.UnitKind),
		CityLevel:   c.CityLevel,
		Priority:    string(c.Priority),
		TriageSLA:   slaDoc{c.TriageSLA.Value, string(c.TriageSLA.Unit)},
		ResolveSLA:  slaDoc{c.ResolveSLA.Value, string(c.ResolveSLA.Unit)},
		Private:     c.Private,
		Emergency:   c.Emergency,
		Active:      c.Active,

		ContactAllowed: c.ContactAllowed,
		PolicyVersion:  c.PolicyVersion,

		InfoWaitDays: c.InfoWaitDays, InfoWaitPolicy: string(c.InfoWaitPolicy),
	}
	if c.Attributes != nil {
		d.Attributes = make([]attributeDoc, len(c.Attributes))
		for i, a := range c.Attributes {
			d.Attributes[i] = attributeDoc{a.Code, a.Datatype, a.Required, a.Description, a.Values}
		}
	}
	return d
}

func (d *categoryDoc) model() models.Category {
	c := models.Category{
		Code:        d.Code,
		Group:       models.Group(d.Group),
		Name:        d.Name,
		NameEN:      d.NameEN,
		Description: d.Description,
		UnitKind:    models.UnitKind(d.UnitKind),
		CityLevel:   d.CityLevel,
		Priority:    models.Priority(d.Priority),
		TriageSLA:   models.SLA{Value: d.TriageSLA.Value, Unit: models.SLAUnit(d.TriageSLA.Unit)},
		ResolveSLA:  models.SLA{Value: d.ResolveSLA.Value, Unit: models.SLAUnit(d.ResolveSLA.Unit)},
		Private:     d.Private,
		Emergency:   d.Emergency,
		Active:      d.Active,

		ContactAllowed: d.ContactAllowed,
		PolicyVersion:  d.PolicyVersion,

		InfoWaitDays: d.InfoWaitDays, InfoWaitPolicy: models.InfoWaitPolicy(d.InfoWaitPolicy),
	}
	if d.Attributes != nil {
		c.Attributes = make([]models.Attribute, len(d.Attributes))
		for i, a := range d.Attributes {
			c.Attributes[i] = models.Attribute{
				Code: a.Code, Datatype: a.Datatype, Required: a.Required, Description: a.Description, Values: a.Values,
			}
		}
	}
	return c
}

type locationDoc struct {
	Lat       float64 `bson:"lat"`
	Lng       float64 `bson:"lng"`
	AccuracyM float64 `bson:"accuracy_m"`
}

type eventDoc struct {
	At         time.Time `bson:"at"`
	ActorRole  string    `bson:"actor_role"`
	ActorID    string    `bson:"actor_id"`
	Action     string    `bson:"action"`
	From       string    `bson:"from"`
	To         string    `bson:"to"`
	Note       string    `bson:"note"`
	Visibility string    `bson:"visibility"`
	// NoteInternal is absent in events written before residents' answers became internal.
	NoteInternal bool `bson:"note_internal,omitempty"`
	// What the action decided, absent when empty. Events written before these fields existed
	// had it in the note; migration 1 (migrations.go) moved it here.
	Reason          string     `bson:"reason,omitempty"`
	Outcome         string     `bson:"outcome,omitempty"`
	DueAt           *time.Time `bson:"due_at,omitempty"`
	UnitID          string     `bson:"unit_id,omitempty"`
	UnitName        string     `bson:"unit_name,omitempty"`
	Assignee        string     `bson:"assignee,omitempty"`
	DuplicateOf     string     `bson:"duplicate_of,omitempty"`
	Rating          int        `bson:"rating,omitempty"`
	EscalationLevel int        `bson:"escalation_level,omitempty"`
	// Media are the photos an add_comment added; absent on every other event, so the stored
	// form (and the history hash) of older events is unchanged.
	Media []string `bson:"media,omitempty"`
	// Category and PrevCategory are what a recategorize changed; absent on every other event.
	Category     string `bson:"category,omitempty"`
	PrevCategory string `bson:"prev_category,omitempty"`
	// PublicDescription is the text a hide_from_public gave the public view.
	PublicDescription string `bson:"public_description,omitempty"`
	// MergedFrom is the duplicate a merged_from event names; absent on every other event.
	MergedFrom string `bson:"merged_from,omitempty"`
}

// toEventDocs converts a history to its stored form; nil stays nil.
func toEventDocs(h []models.Event) []eventDoc {
	if h == nil {
		return nil
	}
	out := make([]eventDoc, len(h))
	for i, e := range h {
		out[i] = eventDoc{
			At: utc(e.At), ActorRole: string(e.ActorRole), ActorID: e.ActorID, Action: string(e.Action),
			From: string(e.From), To: string(e.To), Note: e.Note, Visibility: string(e.Visibility),
			NoteInternal: e.NoteInternal, Reason: e.Reason, Outcome: string(e.Outcome), DueAt: optTime(e.DueAt),
			UnitID: e.UnitID, UnitName: e.UnitName, Assignee: e.Assignee, DuplicateOf: e.DuplicateOf,
			Rating: e.Rating, EscalationLevel: e.EscalationLevel, Media: e.Media,
			Category: e.Category, PrevCategory: e.PrevCategory, PublicDescription: e.PublicDescription, MergedFrom: e.MergedFrom,
		}
	}
	return out
}

// fromEventDocs is the inverse of toEventDocs.
func fromEventDocs(docs []eventDoc) []models.Event {
	if docs == nil {
		return nil
	}
	out := make([]models.Event, len(docs))
	for i, e := range docs {
		out[i] = models.Event{
			At: utc(e.At), ActorRole: models.Role(e.ActorRole), ActorID: e.ActorID, Action: models.Action(e.Action),
			From: models.State(e.From), To: models.State(e.To), Note: e.Note, Visibility: models.Visibility(e.Visibility),
			NoteInternal: e.NoteInternal, Reason: e.Reason, Outcome: models.Outcome(e.Outcome), DueAt: fromOptTime(e.DueAt),
			UnitID: e.UnitID, UnitName: e.UnitName, Assignee: e.Assignee, DuplicateOf: e.DuplicateOf,
			Rating: e.Rating, EscalationLevel: e.EscalationLevel, Media: e.Media,
			Category: e.Category, PrevCategory: e.PrevCategory, PublicDescription: e.PublicDescription, MergedFrom: e.MergedFrom,
		}
	}
	return out
}

// extensionDoc is a pending deadline extension request.
type extensionDoc struct {
	DueAt       time.Time `bson:"due_at"`
	Reason      string    `bson:"reason"`
	RequestedBy string    `bson:"requested_by"`
	RequestedAt time.Time `bson:"requested_at"`
}

// ticketDoc is one ticket with its history embedded, so a read is one lookup and a change is one
// compare-and-set on version (docs/ARCHITECTURE.md).
//
// Workflow fields: due_at is always present (a zero deadline is stored as year 1, like the other
// deadlines, and sorts first in queues); the "when did it happen" times are absent until they
// happen; next_check_at is absent when nothing is scheduled, so the SLA worker's range query
// {next_check_at: {$gt: epoch, $lte: now}} never matches an unscheduled ticket. Durations are
// int64 nanoseconds (exactly time.Duration), named *_ns. Documents written before these fields
// existed decode with zero values.
// legalHoldDoc is the stored form of a ticket's legal hold with its identity snapshot.
type legalHoldDoc struct {
	Reason string    `bson:"reason"`
	By     string    `bson:"by"`
	At     time.Time `bson:"at"`
	Phone  string    `bson:"phone,omitempty"`
	Name   string    `bson:"name,omitempty"`
}

type ticketDoc struct {
	ID               string      `bson:"_id"`
	Code             string      `bson:"code"`
	State            string      `bson:"state"`
	Version          int         `bson:"version"`
	AppliedVersion   int         `bson:"applied_version"`
	Category         string      `bson:"category"`
	Group            string      `bson:"group"`
	Description      string      `bson:"description"`
	Address          string      `bson:"address"`
	Location         locationDoc `bson:"location"`
	Media            []string    `bson:"media"`
	AllowContact     bool        `bson:"allow_contact"`
	Private          bool        `bson:"private"`
	ReporterID       string      `bson:"reporter_id"`
	IdempotencyKey   string      `bson:"idempotency_key"`
	BoundarySet      string      `bson:"boundary_set"`
	AreaCode         string      `bson:"area_code"`
	AreaName         string      `bson:"area_name"`
	UnitID           string      `bson:"unit_id"`
	UnitName         string      `bson:"unit_name"`
	UnitKind         string      `bson:"unit_kind"`
	RoutedByNearest  bool        `bson:"routed_by_nearest"`
	RoutingAmbiguous bool        `bson:"routing_ambiguous"`
	CreatedAt        time.Time   `bson:"created_at"`
	UpdatedAt        time.Time   `bson:"updated_at"`
	TriageDueAt      time.Time   `bson:"triage_due_at"`
	ResolveDueAt     time.Time   `bson:"resolve_due_at"`
	History          []eventDoc  `bson:"history"`
	// HistoryHash is historyHash(History); absent in documents written before it.
	HistoryHash string `bson:"history_hash,omitempty"`

	DueAt             time.Time     `bson:"due_at"`
	PausedAt          *time.Time    `bson:"paused_at,omitempty"`
	PausedRemainingNs int64         `bson:"paused_remaining_ns"`
	PausedTotalNs     int64         `bson:"paused_total_ns"`
	ExtendedFrom      *time.Time    `bson:"extended_from,omitempty"`
	Extension         *extensionDoc `bson:"extension,omitempty"`
	AssignedTo        string        `bson:"assigned_to"`
	TransferredFrom   []string      `bson:"transferred_from"`
	Followers         []string      `bson:"followers"`
	DuplicateOf       string        `bson:"duplicate_of"`
	RejectReason      string        `bson:"reject_reason"`
	Outcome           string        `bson:"outcome"`
	ResultNote        string        `bson:"result_note"`
	ResultMedia       []string      `bson:"result_media"`
	Rating            int           `bson:"rating"`
	RatingComment     string        `bson:"rating_comment"`
	ReopenCount       int           `bson:"reopen_count"`
	TriagedAt         *time.Time    `bson:"triaged_at,omitempty"`
	ResolvedAt        *time.Time    `bson:"resolved_at,omitempty"`
	ClosedAt          *time.Time    `bson:"closed_at,omitempty"`
	OnTimeClass       string        `bson:"on_time_class"`
	RemindedAt        *time.Time    `bson:"reminded_at,omitempty"`
	EscalationLevel   int           `bson:"escalation_level"`
	NextCheckAt       *time.Time    `bson:"next_check_at,omitempty"`
	PolicyVersion     int           `bson:"policy_version,omitempty"` // absent before: version 1
	LegalHold         *legalHoldDoc `bson:"legal_hold,omitempty"`     // absent unless held
	// OccurredAt is when the resident says the problem happened; absent when they did not say
	// (and in tickets filed before the field existed).
	OccurredAt *time.Time `bson:"occurred_at,omitempty"`
	// PublicDescription is the IOC's replacement for the public views; absent unless set, so
	// the documents of other tickets are unchanged.
	PublicDescription string `bson:"public_description,omitempty"`
	// Channel is how the report came; absent in documents stored before channels existed, which
	// read back as "app". FiledBy is the official who filed it on a resident's behalf.
	Channel string `bson:"channel,omitempty"`
	FiledBy string `bson:"filed_by,omitempty"`

	// The halfway point and the cap of a wait for the resident; absent unless waiting.
	InfoRemindAt  *time.Time `bson:"info_remind_at,omitempty"`
	InfoWaitUntil *time.Time `bson:"info_wait_until,omitempty"`

	// The end-to-end deadline and the units' holds; absent in tickets filed before them.
	E2EDueAt   *time.Time    `bson:"e2e_due_at,omitempty"`
	E2EAddedNs int64         `bson:"e2e_added_ns,omitempty"`
	UnitHolds  []unitHoldDoc `bson:"unit_holds,omitempty"`

	// EffectsPending is applied_version < version, kept in the document because FerretDB v1 has
	// no $expr to compare two fields: every insert and replace sets it from the ticket, and
	// MarkApplied clears it only together with raising applied_version to version (effects.go).
	// It is storage only; the model has no such field.
	EffectsPending bool `bson:"effects_pending"`
}

func toTicketDoc(t *models.Ticket) *ticketDoc {
	d := &ticketDoc{
		ID:               t.ID,
		Code:             t.Code,
		State:            string(t.State),
		Version:          t.Version,
		AppliedVersion:   t.AppliedVersion,
		Category:         t.Category,
		Group:            string(t.Group),
		Description:      t.Description,
		Address:          t.Address,
		Location:         locationDoc{t.Location.Lat, t.Location.Lng, t.Location.AccuracyM},
		Media:            t.Media,
		AllowContact:     t.AllowContact,
		Private:          t.Private,
		ReporterID:       t.ReporterID,
		IdempotencyKey:   t.IdempotencyKey,
		BoundarySet:      t.BoundarySet,
		AreaCode:         t.AreaCode,
		AreaName:         t.AreaName,
		UnitID:           t.UnitID,
		UnitName:         t.UnitName,
		UnitKind:         string(t.UnitKind),
		RoutedByNearest:  t.RoutedByNearest,
		RoutingAmbiguous: t.RoutingAmbiguous,
		CreatedAt:        utc(t.CreatedAt),
		UpdatedAt:        utc(t.UpdatedAt),
		TriageDueAt:      utc(t.TriageDueAt),
		ResolveDueAt:     utc(t.ResolveDueAt),

		DueAt:             utc(t.DueAt),
		PausedAt:          optTime(t.PausedAt),
		PausedRemainingNs: int64(t.PausedRemaining),
		PausedTotalNs:     int64(t.PausedTotal),
		ExtendedFrom:      optTime(t.ExtendedFrom),
		AssignedTo:        t.AssignedTo,
		TransferredFrom:   t.TransferredFrom,
		Followers:         t.Followers,
		DuplicateOf:       t.DuplicateOf,
		RejectReason:      t.RejectReason,
		Outcome:           string(t.Outcome),
		ResultNote:        t.ResultNote,
		ResultMedia:       t.ResultMedia,
		Rating:            t.Rating,
		RatingComment:     t.RatingComment,
		ReopenCount:       t.ReopenCount,
		TriagedAt:         optTime(t.TriagedAt),
		ResolvedAt:        optTime(t.ResolvedAt),
		ClosedAt:          optTime(t.ClosedAt),
		OnTimeClass:       string(t.OnTimeClass),
		RemindedAt:        optTime(t.RemindedAt),
		EscalationLevel:   t.EscalationLevel,
		NextCheckAt:       optTime(t.NextCheckAt),
		PolicyVersion:     t.PolicyVersion,
		OccurredAt:        optTime(t.OccurredAt),

		EffectsPending: t.AppliedVersion < t.Version,
	}
	d.PublicDescription = t.PublicDescription
	d.InfoRemindAt, d.InfoWaitUntil = optTime(t.InfoRemindAt), optTime(t.InfoWaitUntil)
	d.E2EDueAt, d.E2EAddedNs, d.UnitHolds = optTime(t.E2EDueAt), int64(t.E2EAdded), toUnitHoldDocs(t.UnitHolds)
	d.Channel, d.FiledBy = string(t.Channel), t.FiledBy
	if h := t.LegalHold; h != nil {
		d.LegalHold = &legalHoldDoc{Reason: h.Reason, By: h.By, At: utc(h.At), Phone: h.Phone, Name: h.Name}
	}
	if e := t.Extension; e != nil {
		d.Extension = &extensionDoc{DueAt: utc(e.DueAt), Reason: e.Reason, RequestedBy: e.RequestedBy, RequestedAt: utc(e.RequestedAt)}
	}
	d.History = toEventDocs(t.History)
	d.HistoryHash = historyHash(d.History)
	return d
}

func (d *ticketDoc) model() *models.Ticket {
	t := &models.Ticket{
		ID:               d.ID,
		Code:             d.Code,
		State:            models.State(d.State),
		Version:          d.Version,
		AppliedVersion:   d.AppliedVersion,
		Category:         d.Category,
		Group:            models.Group(d.Group),
		Description:      d.Description,
		Address:          d.Address,
		Location:         models.Location{Lat: d.Location.Lat, Lng: d.Location.Lng, AccuracyM: d.Location.AccuracyM},
		Media:            d.Media,
		AllowContact:     d.AllowContact,
		Private:          d.Private,
		ReporterID:       d.ReporterID,
		IdempotencyKey:   d.IdempotencyKey,
		BoundarySet:      d.BoundarySet,
		AreaCode:         d.AreaCode,
		AreaName:         d.AreaName,
		UnitID:           d.UnitID,
		UnitName:         d.UnitName,
		UnitKind:         models.UnitKind(d.UnitKind),
		RoutedByNearest:  d.RoutedByNearest,
		RoutingAmbiguous: d.RoutingAmbiguous,
		CreatedAt:        utc(d.CreatedAt),
		UpdatedAt:        utc(d.UpdatedAt),
		TriageDueAt:      utc(d.TriageDueAt),
		ResolveDueAt:     utc(d.ResolveDueAt),

		DueAt:           utc(d.DueAt),
		PausedAt:        fromOptTime(d.PausedAt),
		PausedRemaining: time.Duration(d.PausedRemainingNs),
		PausedTotal:     time.Duration(d.PausedTotalNs),
		ExtendedFrom:    fromOptTime(d.ExtendedFrom),
		AssignedTo:      d.AssignedTo,
		TransferredFrom: d.TransferredFrom,
		Followers:       d.Followers,
		DuplicateOf:     d.DuplicateOf,
		RejectReason:    d.RejectReason,
		Outcome:         models.Outcome(d.Outcome),
		ResultNote:      d.ResultNote,
		ResultMedia:     d.ResultMedia,
		Rating:          d.Rating,
		RatingComment:   d.RatingComment,
		ReopenCount:     d.ReopenCount,
		TriagedAt:       fromOptTime(d.TriagedAt),
		ResolvedAt:      fromOptTime(d.ResolvedAt),
		ClosedAt:        fromOptTime(d.ClosedAt),
		OnTimeClass:     models.OnTimeClass(d.OnTimeClass),
		RemindedAt:      fromOptTime(d.RemindedAt),
		EscalationLevel: d.EscalationLevel,
		NextCheckAt:     fromOptTime(d.NextCheckAt),
		PolicyVersion:   d.PolicyVersion,
		OccurredAt:      fromOptTime(d.OccurredAt),
	}
	if e := d.Extension; e != nil {
		t.Extension = &models.ExtensionRequest{DueAt: utc(e.DueAt), Reason: e.Reason, RequestedBy: e.RequestedBy, RequestedAt: utc(e.RequestedAt)}
	}
	if h := d.LegalHold; h != nil {
		t.LegalHold = &models.LegalHold{Reason: h.Reason, By: h.By, At: utc(h.At), Phone: h.Phone, Name: h.Name}
	}
	t.PublicDescription = d.PublicDescription
	t.InfoRemindAt, t.InfoWaitUntil = fromOptTime(d.InfoRemindAt), fromOptTime(d.InfoWaitUntil)
	t.E2EDueAt, t.E2EAdded, t.UnitHolds = fromOptTime(d.E2EDueAt), time.Duration(d.E2EAddedNs), fromUnitHoldDocs(d.UnitHolds)
	t.Channel, t.FiledBy = models.Channel(d.Channel).OrApp(), d.FiledBy
	t.History = fromEventDocs(d.History)
	return t
}

// unitHoldDoc is the stored form of one unit's hold of a ticket.
type unitHoldDoc struct {
	UnitID   string     `bson:"unit_id"`
	UnitName string     `bson:"unit_name"`
	From     time.Time  `bson:"from"`
	Until    *time.Time `bson:"until,omitempty"`
	HeldNs   int64      `bson:"held_ns"`
}

func toUnitHoldDocs(hs []models.UnitHold) []unitHoldDoc {
	if hs == nil {
		return nil
	}
	out := make([]unitHoldDoc, len(hs))
	for i, h := range hs {
		out[i] = unitHoldDoc{UnitID: h.UnitID, UnitName: h.UnitName, From: utc(h.From), Until: optTime(h.Until), HeldNs: int64(h.Held)}
	}
	return out
}

func fromUnitHoldDocs(ds []unitHoldDoc) []models.UnitHold {
	if ds == nil {
		return nil
	}
	out := make([]models.UnitHold, len(ds))
	for i, d := range ds {
		out[i] = models.UnitHold{UnitID: d.UnitID, UnitName: d.UnitName, From: utc(d.From), Until: fromOptTime(d.Until), Held: time.Duration(d.HeldNs)}
	}
	return out
}
