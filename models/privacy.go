package models

import (
	"fmt"
	"time"
)

// EConsentRequired: the resident has not accepted the privacy notice in force for the purpose
// the route serves (403). The message names the version to accept.
const EConsentRequired = "consent_required"

// ConsentPurpose is what a resident consents to. Law 91/2025/QH15 wants consent per purpose, so
// each purpose has its own record and its own withdrawal.
type ConsentPurpose string

// The purposes a resident consents to.
const (
	// PurposeAccount is processing the account itself (phone, reports, media, pushes): accepted
	// for a version of the privacy notice, asked again when the version changes.
	PurposeAccount ConsentPurpose = "account"
	// PurposeContact is the unit seeing the reporter's phone to call them back. It is given per
	// ticket (allow_contact when filing); withdrawing it clears allow_contact on every open ticket.
	PurposeContact ConsentPurpose = "contact"
)

// ConsentPurposes lists every purpose, in a stable order for validation messages.
var ConsentPurposes = []ConsentPurpose{PurposeAccount, PurposeContact}

// Valid reports whether p is one of ConsentPurposes.
func (p ConsentPurpose) Valid() bool {
	for _, x := range ConsentPurposes {
		if p == x {
			return true
		}
	}
	return false
}

// Consent is one record of a resident granting or withdrawing consent: records are only ever
// added, so the list is the history the law asks the controller to be able to show.
type Consent struct {
	ID      string         `json:"id"`
	UserID  string         `json:"user_id"`
	Purpose ConsentPurpose `json:"purpose"`
	// Version is the privacy notice version the resident read when deciding.
	Version int       `json:"version"`
	Granted bool      `json:"granted"`
	At      time.Time `json:"at"`
	// Detail says what the record changed, e.g. how many open tickets a withdrawal affected.
	Detail string `json:"detail,omitempty"`
}

// AcceptedVersion is the newest notice version for which the latest record of purpose in
// records (oldest first) grants consent; 0 when the purpose was never granted or was withdrawn last.
func AcceptedVersion(records []Consent, purpose ConsentPurpose) int {
	v := 0
	for _, r := range records {
		if r.Purpose != purpose {
			continue
		}
		v = 0
		if r.Granted {
			v = r.Version
		}
	}
	return v
}

// MaxDisplayNameRunes bounds a resident's display name.
const MaxDisplayNameRunes = 100

// MaskPhone hides the middle of a phone number for logs: +84912345678 → +8491*****78. Short or
// empty input is masked whole, so nothing identifying passes.
func MaskPhone(phone string) string {
	r := []rune(phone)
	if len(r) < 8 {
		return "*****"
	}
	head := 5
	if r[0] != '+' {
		head = 4
	}
	out := make([]rune, 0, len(r))
	out = append(out, r[:head]...)
	for range r[head : len(r)-2] {
		out = append(out, '*')
	}
	return string(append(out, r[len(r)-2:]...))
}

// MaskName hides all but the first letter of a name or username for logs.
func MaskName(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return ""
	}
	return fmt.Sprintf("%c***", r[0])
}
