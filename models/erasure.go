package models

import (
	"strings"
	"time"
)

// ErasedReporter is the tombstone a de-identified ticket carries as its ReporterID: the
// reporter erased their account (DELETE /v1/me) or the retention period ended. It is not the
// id of any account (ids are 32 hex digits), so no one can resolve it, sign in as it or be
// given the ticket as "mine"; one shared tombstone, rather than a fresh random id per ticket,
// also keeps erased tickets from being linked to each other as the work of one person.
const ErasedReporter = "erased"

// Actions recorded by the personal-data rules (internal history events; none can be requested
// through the action endpoint).
const (
	// ActErase records a de-identification: the reporter replaced by ErasedReporter, phone
	// numbers scrubbed from the texts, media the case no longer needs deleted. Its Reason says
	// why (one of the Erase… reasons).
	ActErase Action = "erase"
	// ActLegalHold records a legal hold placed by the IOC; Reason is theirs.
	ActLegalHold Action = "legal_hold"
	// ActReleaseHold records a legal hold released; Reason is the IOC's.
	ActReleaseHold Action = "release_legal_hold"
)

// Reasons of an ActErase event.
const (
	EraseByRequest        = "erasure_request"    // the resident erased their account
	EraseRetention        = "retention_identity" // RETENTION_IDENTITY after closing
	EraseRetentionMedia   = "retention_media"    // RETENTION_MEDIA after closing: media only
	EraseAtHoldRelease    = "hold_released"      // erased while held: done at the release
	MaxLegalHoldReasonLen = 500
)

// LegalHold keeps a ticket under investigation linked to its reporter's identity: erasure and
// retention leave a held ticket as it is until the IOC releases the hold. The identity is
// snapshotted when the hold is placed (Phone, Name), so the account itself can still be erased
// — its phone may then sign up again as a new person, with no access to the held ticket — while
// the investigators keep what they need. The snapshot never leaves the server but through the
// audited reveal path (Tickets.Detail); the release de-identifies the ticket if its reporter is
// gone by then.
type LegalHold struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"` // the IOC account that placed it
	At     time.Time `json:"at"`
	Phone  string    `json:"phone,omitempty"`
	Name   string    `json:"name,omitempty"`
}

// FinalState reports whether the ticket is closed for good (closed, rejected, duplicate or
// withdrawn): the retention periods run from the ticket's last change in such a state.
func (s State) FinalState() bool {
	switch s {
	case StateClosed, StateRejected, StateDuplicate, StateWithdrawn:
		return true
	}
	return false
}

// RetentionQuery selects tickets for the retention worker: in a final state, last changed
// before ClosedBefore, with an id after AfterID (ascending id order, so a run can resume), at
// most Limit. Identified keeps only tickets whose reporter is not ErasedReporter yet; WithMedia
// only tickets that still have media of the reporter, or result media while private, so that
// the media pass does not read every old ticket again each time.
type RetentionQuery struct {
	ClosedBefore time.Time
	AfterID      string
	Identified   bool
	WithMedia    bool
	Limit        int
}

// FinalStates lists the states FinalState accepts, for store queries.
var FinalStates = []State{StateClosed, StateRejected, StateDuplicate, StateWithdrawn}

// PhoneForms lists how a stored E.164 phone (+84…) may be written in text: as stored, without
// the plus, in the national form (0…) and as its bare subscriber digits. Erasure removes each
// of them from free text, also where the public-view scrubber leaves a number glued to a word.
func PhoneForms(e164 string) []string {
	if !strings.HasPrefix(e164, "+84") || len(e164) < 8 {
		if e164 == "" {
			return nil
		}
		return []string{e164}
	}
	sub := e164[3:]
	return []string{e164, e164[1:], "0" + sub, sub}
}

// AuditAnchor is where the audit log's hash chain starts after retention removed its oldest
// records (RETENTION_AUDIT): the sequence number and hash of the newest record removed, and
// that record's time. The first kept record must follow it (Seq+1, PrevHash = Hash); a zero
// anchor means nothing was removed and the chain starts at 1 with an empty previous hash.
type AuditAnchor struct {
	Seq      int64
	Hash     string
	At       time.Time
	PrunedAt time.Time
}
