package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// Role is what a principal may do. Officials belong to a unit; residents and machines do not.
type Role string

// The roles of the people and systems that use the service.
const (
	RoleResident    Role = "resident"
	RoleOfficer     Role = "officer"
	RoleLeader      Role = "leader"
	RoleIOCOperator Role = "ioc_operator"
	RoleIOCViewer   Role = "ioc_viewer"
	RoleAdmin       Role = "admin"
)

// Roles lists every role, in a stable order for validation messages and tests.
var Roles = []Role{RoleResident, RoleOfficer, RoleLeader, RoleIOCOperator, RoleIOCViewer, RoleAdmin}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Official reports whether r signs in with a password and may belong to a unit.
func (r Role) Official() bool { return r != RoleResident && r.Valid() }

// NeedsUnit reports whether accounts of this role must name the unit they work for.
func (r Role) NeedsUnit() bool { return r == RoleOfficer || r == RoleLeader }

// SeesAllTickets reports whether the role oversees every unit (the IOC and administrators).
func (r Role) SeesAllTickets() bool {
	return r == RoleIOCOperator || r == RoleIOCViewer || r == RoleAdmin
}

// User is a resident (identified by phone) or an official (identified by username).
type User struct {
	ID           string `json:"id"`
	Role         Role   `json:"role"`
	Phone        string `json:"phone,omitempty"`    // E.164, residents only
	Username     string `json:"username,omitempty"` // officials only, lower case
	PasswordHash string `json:"-"`
	UnitID       string `json:"unit_id,omitempty"`
	DisplayName  string `json:"display_name,omitempty"`
	// Title is an official's position ("Phó Trưởng Công an phường"), shown with the name where
	// colleagues and the IOC see who acted; empty for residents.
	Title     string    `json:"title,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"-"`
	// PasswordChangeRequired marks a password someone else chose (the first administrator's
	// generated one): until the account sets its own, its tokens serve only the password change.
	PasswordChangeRequired bool `json:"password_change_required,omitempty"`
	// DisabledReason is why an administrator disabled (or blocked) the account; it is shown to
	// administrators only, never to the account holder.
	DisabledReason string `json:"-"`
	// TokenGeneration is carried by every access token of the account; bumping it (disabling,
	// moving, resetting the password) ends every token issued before, on every instance, without
	// a shared revocation list.
	TokenGeneration int `json:"-"`
	// TOTPSecret is the account's confirmed authenticator secret (RFC 6238), encrypted by the
	// app; set, the account signs in with a second factor. TOTPPending is the encrypted secret
	// of an enrolment not confirmed yet. Neither ever leaves the server after enrolment.
	TOTPSecret  string `json:"-"`
	TOTPPending string `json:"-"`
	// RecoveryCodes are the hashes of the unused one-time recovery codes of the second factor.
	RecoveryCodes []string `json:"-"`
}

// TwoFactor reports whether the account signs in with a second factor.
func (u *User) TwoFactor() bool { return u.TOTPSecret != "" }

// UserQuery selects official accounts for administrators: Q matches a substring of the username
// or the display name (case-insensitive), the others are exact; After is the username of the
// last account of the previous page (accounts are listed by username, which is unique).
type UserQuery struct {
	Q        string
	Role     Role
	UnitID   string
	Disabled *bool
	After    string
	Limit    int
}

// OTPChallenge is the pending sign-in code of a phone number. Only the code's hash is kept.
// Every code sent earlier stays valid until its own expiry (Earlier), so that someone else
// asking for codes for this phone cannot break the one its owner is typing. Attempts counts
// wrong guesses at all of them together, so more codes do not mean more guesses.
type OTPChallenge struct {
	Phone     string
	CodeHash  string
	CreatedAt time.Time
	ExpiresAt time.Time
	Attempts  int
	// Earlier holds the codes sent before CodeHash that were unexpired when it was stored,
	// oldest first, at most MaxOTPCodes-1 of them.
	Earlier []OTPCode
}

// MaxOTPCodes bounds the codes of one phone kept valid at once, the pending one included, so a
// challenge stays small whatever the limits. It matches the default daily cap of codes per phone:
// with default limits more codes can be unexpired at once only just after midnight UTC, when the
// daily count restarts, and then the oldest is dropped first.
const MaxOTPCodes = 10

// OTPCode is one code sent to a phone: its hash and when it expires.
type OTPCode struct {
	Hash      string
	ExpiresAt time.Time
}

// Codes lists every code of the challenge, the earlier ones first and the pending one last.
func (c *OTPChallenge) Codes() []OTPCode {
	return append(append(make([]OTPCode, 0, len(c.Earlier)+1), c.Earlier...), OTPCode{Hash: c.CodeHash, ExpiresAt: c.ExpiresAt})
}

// EarlierAt returns the codes of c still unexpired at t, oldest first and at most
// MaxOTPCodes-1 of them: the Earlier of the challenge that replaces c at t. Nil means none is
// left, and then the replacing challenge starts its attempts over.
func (c *OTPChallenge) EarlierAt(t time.Time) []OTPCode {
	var kept []OTPCode
	for _, k := range c.Codes() {
		if k.ExpiresAt.After(t) {
			kept = append(kept, k)
		}
	}
	if len(kept) > MaxOTPCodes-1 {
		kept = kept[len(kept)-(MaxOTPCodes-1):]
	}
	return kept
}

// RefreshToken is a long-lived, single-use credential. ID is the hash of the opaque token the
// client holds; FamilyID ties every rotation of one sign-in together so that reuse of a rotated
// token revokes the whole family (it was stolen or replayed).
type RefreshToken struct {
	ID        string
	FamilyID  string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until rotated
	RevokedAt time.Time // zero unless revoked (logout or reuse)
}

// APIKeyScope limits what a machine key may call.
type APIKeyScope string

// Machine key scopes. Export is apart from stats because the internal export carries private
// tickets, while statistics are aggregates: a dashboard's key must not read every ticket.
const (
	ScopeOpen311 APIKeyScope = "open311"
	ScopeStats   APIKeyScope = "stats"
	ScopeFeed    APIKeyScope = "feed"
	ScopeExport  APIKeyScope = "export"
)

// APIKeyScopes lists every scope, in a stable order for validation messages.
var APIKeyScopes = []APIKeyScope{ScopeOpen311, ScopeStats, ScopeFeed, ScopeExport}

// Valid reports whether s is one of APIKeyScopes.
func (s APIKeyScope) Valid() bool {
	for _, x := range APIKeyScopes {
		if s == x {
			return true
		}
	}
	return false
}

// APIKeyPrefixLen is how many leading characters of a key's secret are kept as its Prefix.
const APIKeyPrefixLen = 8

// APIKey is a machine credential; only its hash is stored, the key is shown once at creation.
// Prefix (the secret's first characters, which reveal too little to guess the rest) lets an
// administrator tell which key a system holds without the secret being stored.
type APIKey struct {
	ID        string
	Name      string
	Scope     APIKeyScope
	Hash      string
	Prefix    string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never expires
	RevokedAt time.Time // zero unless revoked
	// LastUsedAt is when the key last authenticated a request, to within a minute (it is
	// written at most once a minute, so a busy key does not write on every request).
	LastUsedAt time.Time
}

// Unusable reports why k may not authenticate at now ("" when it may): revoked, or expired
// (now at or past ExpiresAt).
func (k *APIKey) Unusable(now time.Time) string {
	switch {
	case !k.RevokedAt.IsZero():
		return "revoked"
	case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
		return "expired"
	}
	return ""
}

// AuditRecord is one append-only entry of the audit log: who did what sensitive thing to whom.
// The log is a hash chain: the store numbers records 1, 2, … (Seq) as it appends them and sets
// PrevHash to the Hash of record Seq-1 ("" for the first) and Hash to AuditChainHash of the
// record, so an edited record no longer matches its hash and a deleted one leaves a gap.
type AuditRecord struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id"`
	Role    Role      `json:"actor_role"`
	Action  string    `json:"action"` // e.g. reveal_reporter, login_locked
	Ticket  string    `json:"ticket_id,omitempty"`
	Subject string    `json:"subject_id,omitempty"` // the person whose data was read
	Detail  string    `json:"detail,omitempty"`

	Seq      int64  `json:"seq"`
	PrevHash string `json:"prev_hash,omitempty"`
	Hash     string `json:"hash"`
}

// AuditChainHash is the hex SHA-256 of a canonical encoding of every field of r but Hash —
// Seq, ID, At (in Unix milliseconds, the stores' precision), ActorID, Role, Action, Ticket,
// Subject, Detail and PrevHash — each a length-prefixed field, so no two records share an
// encoding.
func AuditChainHash(r AuditRecord) string {
	h := sha256.New()
	for _, f := range []string{strconv.FormatInt(r.Seq, 10), r.ID, strconv.FormatInt(r.At.UnixMilli(), 10), r.ActorID,
		string(r.Role), r.Action, r.Ticket, r.Subject, r.Detail, r.PrevHash} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AuditFilter selects audit records newest first. Empty fields do not filter.
type AuditFilter struct {
	ActorID string
	Action  string
	Ticket  string
	Subject string
	From    time.Time
	To      time.Time
	Before  *AuditCursor
	Limit   int
}

// AuditCursor is a keyset position in newest-first order.
type AuditCursor struct {
	At time.Time
	ID string
}
