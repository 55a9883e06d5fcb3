package models

// DataField is one row of the records of processing (Law 91/2025/QH15): one personal-data field
// the system stores, where, why, who may read it and how long it is kept. Model and Field name
// the Go struct field that holds it, so a test can check that every personal field of the
// models is listed (and no row names a field that no longer exists).
type DataField struct {
	Model   string `json:"model"` // Go type in package models, e.g. "User"
	Field   string `json:"field"` // Go field of Model, e.g. "Phone"
	SQLite  string `json:"sqlite" jsonschema_description:"table.column, or table.doc→key in a JSON document"`
	MongoDB string `json:"mongodb" jsonschema_description:"collection.field"`
	Purpose string `json:"purpose"`
	// Readers are who may read the value through the system.
	Readers string `json:"readers"`
	// Retention says how long it is kept, naming the setting that governs it.
	Retention string `json:"retention" jsonschema_description:"how long it is kept, naming the setting that governs it"`
}

// Retention settings named by the register (the retention worker reads them from the
// environment with these names).
const (
	RetentionIdentity = "RETENTION_IDENTITY" // default 24 months after the ticket closes
	RetentionMedia    = "RETENTION_MEDIA"
	RetentionAudit    = "RETENTION_AUDIT" // default 5 years
)

const (
	untilErasure    = "until the account is erased (DELETE /v1/me)"
	identityRetain  = "until erasure, or " + RetentionIdentity + " (default 24 months) after the ticket closes, then de-identified"
	ticketRetain    = "kept with the ticket for the city's record; de-identified after " + RetentionIdentity + " (default 24 months) after closing or on erasure"
	credentialShort = "until used or expired (minutes to days); expires on its own"
)

// PersonalDataRegister is THE table of personal data the system stores. GET
// /v1/admin/privacy/register serves it, and tests tie it to the model structs.
func PersonalDataRegister() []DataField {
	return []DataField{
		{"User", "ID", "users.id", "users._id", "identify the account; links reports, devices and consents", "the account holder; officials see only a pseudonym of it", untilErasure},
		{"User", "Phone", "users.phone", "users.phone", "sign-in by one-time code; calling the reporter back when they allowed it", "the account holder; the IOC and, with allow_contact, the handling unit (every reveal audited)", untilErasure},
		{"User", "DisplayName", "users.display_name", "users.display_name", "how the reporter is addressed when called back; officials' names in the console", "the account holder; whoever may see the phone; administrators (officials)", untilErasure},
		{"User", "Title", "users.title", "users.title", "officials' position, shown with their name to colleagues", "officials, administrators", "while the official account exists"},
		{"User", "Username", "users.username", "users.username", "officials' sign-in", "the official, administrators", "while the official account exists"},
		{"User", "PasswordHash", "users.password_hash", "users.password_hash", "officials' sign-in (hash only)", "nobody (compared by the server)", "while the official account exists"},
		{"User", "TOTPSecret", "users.totp_secret", "users.totp_secret", "officials' second factor (encrypted)", "nobody (checked by the server)", "while the official account exists"},
		{"User", "TOTPPending", "users.totp_pending", "users.totp_pending", "officials' second factor enrolment (encrypted)", "nobody", "until confirmed or replaced"},
		{"User", "RecoveryCodes", "users.recovery_codes", "users.recovery_codes", "officials' second factor recovery (hashes)", "nobody", "until used or replaced"},
		{"User", "CreatedAt", "users.created_at", "users.created_at", "account history", "the account holder, administrators", untilErasure},
		{"OTPChallenge", "Phone", "otp_challenges.phone", "otp_challenges._id", "deliver and check the sign-in code", "nobody", credentialShort},
		{"OTPChallenge", "CodeHash", "otp_challenges.code_hash", "otp_challenges.code_hash", "check the sign-in code (hash only)", "nobody", credentialShort},
		{"RefreshToken", "UserID", "refresh_tokens.user_id", "refresh_tokens.user_id", "keep a device signed in", "nobody", "until expiry (REFRESH_TOKEN_TTL, default 30 days), revocation or erasure"},
		{"Consent", "UserID", "consents.user_id", "consents.user_id", "prove consent (Law 91/2025 art. on consent)", "the account holder (GET /v1/me/consents, the export)", untilErasure + "; the proof of consent then ends with the account"},
		{"Consent", "Purpose", "consents.purpose", "consents.purpose", "prove consent per purpose", "the account holder", untilErasure},
		{"Consent", "Version", "consents.version", "consents.version", "which privacy notice was accepted", "the account holder", untilErasure},
		{"Consent", "Granted", "consents.granted", "consents.granted", "grant or withdrawal", "the account holder", untilErasure},
		{"Consent", "At", "consents.at", "consents.at", "when consent was given or withdrawn", "the account holder", untilErasure},
		{"Ticket", "ReporterID", "tickets.reporter_id", "tickets.reporter_id", "link a report to its reporter (their list, their actions, call-back)", "the reporter; officials see a pseudonym", identityRetain},
		{"Ticket", "IdempotencyKey", "tickets.idempotency_key", "tickets.idempotency_key", "file a retried report once (holds the reporter id)", "nobody", identityRetain},
		{"Ticket", "Description", "tickets.doc→description", "tickets.description", "what the resident reports", "the reporter, the handling units, the IOC; the public a scrubbed copy of public tickets", ticketRetain},
		{"Ticket", "Address", "tickets.doc→address", "tickets.address", "where the problem is", "the reporter, the handling units, the IOC", ticketRetain},
		{"Ticket", "Location", "tickets.doc→location", "tickets.location", "route the report to the ward; map", "the reporter, units, the IOC; the public a rounded point of public tickets", ticketRetain},
		{"Ticket", "OccurredAt", "tickets.doc→occurred_at", "tickets.occurred_at", "when the problem happened, as the resident says: how long it has lasted", "the reporter, the handling units, the IOC; never the public", ticketRetain},
		{"Ticket", "AllowContact", "tickets.doc→allow_contact", "tickets.allow_contact", "the reporter's consent to be called back (purpose contact)", "the reporter, units, the IOC", ticketRetain},
		{"Ticket", "Followers", "tickets.doc→followers", "tickets.followers", "tell residents who said \"me too\" about progress", "nobody (only their count is shown)", identityRetain},
		{"Ticket", "LegalHold", "tickets.doc→legal_hold (phone, name, reason)", "tickets.legal_hold", "keep a ticket under investigation linked to its reporter: a snapshot of the phone and name taken when the IOC places the hold", "the IOC (every reveal audited)", "until the IOC releases the hold, then de-identified if the reporter erased their account or " + RetentionIdentity + " passed"},
		{"Ticket", "RatingComment", "tickets.doc→rating_comment", "tickets.rating_comment", "the reporter's judgement of the result", "the reporter, units, the IOC", ticketRetain},
		{"Ticket", "History", "tickets.doc→history[].actor_id, note", "tickets.history[].actor_id, note", "the record of what happened, residents' answers included", "the reporter (public events), units and the IOC (all)", ticketRetain},
		{"Media", "OwnerID", "media.owner_id", "media.owner_id", "who uploaded a photo or video (quotas, attaching to their report)", "nobody", identityRetain},
		{"Media", "Blob", "media.blob (files under DATA_DIR)", "media.blob (GridFS media.files/chunks)", "photos and videos of the problem, which may show people or plates", "the reporter, units, the IOC; the public images of public tickets", "deleted " + RetentionMedia + " after the ticket closes, except result photos of public tickets; unattached uploads within a day"},
		{"Device", "Token", "push_devices.token", "push_devices._id", "deliver push notifications", "nobody", "until unregistered, pruned when unused, or erasure"},
		{"Device", "UserID", "push_devices.user_id", "push_devices.user_id", "address pushes to the account's devices", "nobody", "until unregistered, pruned when unused, or erasure"},
		{"Device", "Locale", "push_devices.locale", "push_devices.locale", "push texts in the device's language", "nobody", "with the device"},
		{"Subscription", "UserID", "push_subscriptions.user_id", "push_subscriptions.user_id", "ward announcements the resident asked for", "the account holder", "until unsubscribed or erasure"},
		{"Subscription", "AreaCode", "push_subscriptions.area_code", "push_subscriptions.area_code", "which ward's announcements (may hint where they live)", "the account holder", "until unsubscribed or erasure"},
		{"PushMessage", "UserID", "push_outbox.user_id", "push_outbox.user_id", "deliver a notification to the account", "nobody", "until delivered and swept, or erasure"},
		{"PushMessage", "Token", "push_outbox.token", "push_outbox.token", "deliver a notification to a device", "nobody", "until delivered and swept, or erasure"},
		{"PushMessage", "Body", "push_outbox.body", "push_outbox.body", "the notification text (about their report)", "the recipient", "until delivered and swept, or erasure"},
		{"Notification", "UserID", "notifications.user_id", "notifications.user_id", "the resident's inbox of what pushes told them (nothing lost when a push is)", "the account holder", untilErasure},
		{"Notification", "Title", "notifications.title, title_en", "notifications.title, title_en", "the notification's text (about their report: its code, ward, state)", "the account holder", untilErasure},
		{"Notification", "Body", "notifications.body, body_en", "notifications.body, body_en", "the notification's text", "the account holder", untilErasure},
		{"AuditRecord", "ActorID", "audit_log.actor_id", "audit_log.actor_id", "accountability for sensitive actions (who revealed a phone)", "administrators; the subject sees reveals of their identity", "kept " + RetentionAudit + " (default 5 years)"},
		{"AuditRecord", "Subject", "audit_log.subject_id", "audit_log.subject_id", "whose data a sensitive action read", "administrators; the subject", "kept " + RetentionAudit + " (default 5 years)"},
		{"AuditRecord", "Detail", "audit_log.detail", "audit_log.detail", "context of the action (e.g. the client address of a lockout)", "administrators", "kept " + RetentionAudit + " (default 5 years)"},
		{"Counter", "Key", "rate_counters.key", "hit_counters._id", "abuse limits; keys hold a phone number or client address", "nobody", "the counter's window (minutes to a day); expires on its own"},
	}
}
