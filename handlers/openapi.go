package handlers

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// openAPIDocument is the OpenAPI 3.1 description of every route. TestOpenAPICoversRoutes fails
// when a registered route is missing here or a documented one is not registered.
func openAPIDocument() map[string]any {
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	headerRef := func(name string) map[string]any { return map[string]any{"$ref": "#/components/headers/" + name} }
	jsonContent := func(schema map[string]any) map[string]any {
		return map[string]any{"application/json": map[string]any{"schema": schema}}
	}
	resp := func(desc string, schema map[string]any) map[string]any {
		r := map[string]any{"description": desc}
		if schema != nil {
			r["content"] = jsonContent(schema)
		}
		return r
	}
	errs := func(codes ...string) map[string]any {
		out := map[string]any{}
		for _, c := range codes {
			out[c] = resp("error", ref("Error"))
		}
		if r, ok := out["429"].(map[string]any); ok {
			r["headers"] = map[string]any{"Retry-After": headerRef("Retry-After"), "RateLimit": headerRef("RateLimit"), "RateLimit-Policy": headerRef("RateLimit-Policy")}
		}
		return out
	}
	op := func(summary string, tags []string, secured bool, body map[string]any, params []any, responses map[string]any, errCodes ...string) map[string]any {
		o := map[string]any{"summary": summary, "tags": tags, "responses": responses}
		for k, v := range errs(errCodes...) {
			responses[k] = v
		}
		if secured {
			o["security"] = []any{map[string]any{"bearer": []any{}}}
		} else {
			o["security"] = []any{} // open to anyone, said explicitly
		}
		if body != nil {
			o["requestBody"] = map[string]any{"required": true, "content": jsonContent(body)}
		}
		if params != nil {
			o["parameters"] = params
		}
		return o
	}
	param := func(name, in string, required bool, typ, desc string) map[string]any {
		return map[string]any{"name": name, "in": in, "required": required, "description": desc, "schema": map[string]any{"type": typ}}
	}
	obj := func(required []string, props map[string]any) map[string]any {
		o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	str := map[string]any{"type": "string"}
	num := map[string]any{"type": "number"}
	boolean := map[string]any{"type": "boolean"}
	dateTime := map[string]any{"type": "string", "format": "date-time"}
	readinessSchema := obj([]string{"status", "checks"}, map[string]any{
		"status": map[string]any{"type": "string", "enum": []string{"ready", "unready"}},
		"checks": map[string]any{"type": "array", "items": obj([]string{"name", "ok"}, map[string]any{
			"name": map[string]any{"type": "string", "description": "store, schema, write_queue or worker:<name> (sla, media_gc, device_pruning, push)"},
			"ok":   boolean, "problem": str})},
	})
	ticketProps := map[string]any{
		"id": str, "code": str, "state": str, "version": map[string]any{"type": "integer"}, "category": str, "group": str,
		"description": str, "address": str, "location": ref("Location"), "media": map[string]any{"type": "array", "items": str},
		"allow_contact": boolean, "private": boolean,
		"area":         obj(nil, map[string]any{"code": str, "name": str}),
		"unit":         obj(nil, map[string]any{"id": str, "name": str, "kind": str}),
		"boundary_set": str, "routed_by_nearest": boolean, "created_at": dateTime, "updated_at": dateTime,
		"occurred_at":   map[string]any{"type": "string", "format": "date-time", "description": "when the resident says the problem happened (absent when they did not say); the reporter and the officials only, never the public view"},
		"triage_due_at": dateTime, "resolve_due_at": dateTime, "due_at": dateTime, "overdue": boolean,
		"outcome": str, "result_note": str, "rating": map[string]any{"type": "integer"}, "reject_reason": str, "duplicate_of": str,
		"on_time_class": map[string]any{"type": "string", "enum": []string{"on_time", "late", "late_with_extension"}},
		"reopen_count":  map[string]any{"type": "integer"}, "followers_count": map[string]any{"type": "integer"},
		"policy_version":    map[string]any{"type": "integer", "description": "the version of the category's deadline and privacy policy the ticket was filed under (1 for tickets filed before versions)"},
		"allowed_actions":   map[string]any{"type": "array", "items": str},
		"routing_ambiguous": boolean, "assigned_to": str, "escalation_level": map[string]any{"type": "integer"},
		"transferred_from": map[string]any{"type": "array", "items": str},
		"extension":        obj(nil, map[string]any{"due_at": dateTime, "reason": str}),
		"reporter": obj(nil, map[string]any{"pseudonym": str, "phone": str, "name": str,
			"erased": map[string]any{"type": "boolean", "description": "the reporter erased their data (or its retention ended): nobody can reveal them"}}),
		"public_description": map[string]any{"type": "string", "description": "officials' view only: what the public reads instead of the description (hide_from_public)"},
		"history":            map[string]any{"type": "array", "items": obj(nil, historyEventProperties())},
		"result_media":       map[string]any{"type": "array", "items": str, "description": "the officials' before/after photos, with the resolution"},
		"legal_hold":         obj(nil, map[string]any{"reason": str, "by": str, "at": dateTime}),
		"erased":             map[string]any{"type": "boolean", "description": "the reporter's data was erased (at their request or at the end of retention): no one can reveal them"},
		"info_wait_until": map[string]any{"type": "string", "format": "date-time",
			"description": "awaiting_info only: when the wait for the resident's answer ends (the category's info_wait_days in working days); then the ticket closes as no_response or returns to the unit (info_wait_policy)"},
		"info_remind_at": map[string]any{"type": "string", "format": "date-time",
			"description": "officials' view only, awaiting_info only: when the resident is reminded (halfway to info_wait_until)"},
		"e2e_due_at": map[string]any{"type": "string", "format": "date-time",
			"description": "officials' view only: the end-to-end resolution deadline from filing (the category's allowance, plus approved extensions and the waits for the resident up to their caps); a transfer restarts the receiving unit's resolve_due_at but never this; absent for tickets filed before it existed"},
		"unit_holds": map[string]any{"type": "array", "description": "officials' view only: each unit that held the ticket, in order, from receiving it until it transferred it away or the ticket was resolved or closed",
			"items": obj([]string{"unit_id", "unit_name", "from"}, map[string]any{"unit_id": str, "unit_name": str, "from": dateTime,
				"until":      map[string]any{"type": "string", "format": "date-time", "description": "absent while the unit holds it"},
				"held_hours": map[string]any{"type": "number", "description": "working hours (office hours of the working calendar) from from to until"}})},
	}
	ticketProps["channel"] = map[string]any{"type": "string", "enum": channelNames(models.Channels),
		"description": "how the report came (the reporter and the officials; not in the public view): app for tickets filed before channels were recorded"}
	ticketProps["filed_by"] = map[string]any{"type": "string", "description": "officials' view only: the account id of the official who filed the report on a resident's behalf"}
	sla := obj([]string{"value", "unit"}, map[string]any{"value": map[string]any{"type": "integer"},
		"unit": map[string]any{"type": "string", "enum": []string{"working_hours", "working_days", "clock_hours"}}})
	nearbyProps := map[string]any{"distance_m": map[string]any{"type": "number", "description": "metres from the point asked about"}}
	for k, v := range ticketProps {
		nearbyProps[k] = v
	}
	subscriptionSchema := obj(nil, map[string]any{"area_code": str, "area_name": str, "topic": str, "created_at": dateTime})

	doc := map[string]any{
		"openapi": "3.1.0",
		// Relative: the API is where this document is served from.
		"servers": []any{map[string]any{"url": "/"}},
		"info": map[string]any{
			"title":       "phananh — citizen field reports (Long Xuyên)",
			"version":     "1.0.0",
			"description": "Residents file geotagged reports routed by ward polygon to the responsible unit, with deadlines in working time. Errors are {\"error\":{\"code\",\"message\",\"field\",\"errors\":[{\"field\",\"code\",\"message\"}],\"request_id\"}} (the Error schema): messages are Vietnamese unless Accept-Language (or ?lang=) asks for English, and errors lists every field at fault at once. Rate-limited operations send RateLimit-Policy and RateLimit headers (IETF httpapi draft): \"intake_user\";q=30;w=900 is 30 requests per 900 s, \"intake_user\";r=29;t=840 leaves 29 for the next 840 s; times are RFC 3339 in +07:00. Any operation but /livez, /healthz and /readyz may answer 503 with Retry-After when the server is busy (MAX_IN_FLIGHT): retry after that many seconds, with the same Idempotency-Key when filing.",
		},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA)"},
				"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": HeaderAPIKey,
					"description": "a machine key of the scope the operation admits (stats, feed, export, open311)"}},
			"headers": map[string]any{
				"Retry-After":      map[string]any{"description": "seconds until the request may be made again", "schema": map[string]any{"type": "integer"}},
				"RateLimit-Policy": map[string]any{"description": "the rate limits the request counted against, sent on every answer of a rate-limited operation (IETF httpapi draft): \"intake_user\";q=30;w=900 allows 30 requests per 900 s", "schema": str},
				"RateLimit":        map[string]any{"description": "what is left of each limit of RateLimit-Policy: \"intake_user\";r=29;t=840 leaves 29 requests for the 840 s until the window ends (r=0 on a 429)", "schema": str},
			},
			"schemas": map[string]any{
				"Error": obj([]string{"error"}, map[string]any{"error": obj([]string{"code", "message"}, map[string]any{
					"code":    map[string]any{"type": "string", "description": "stable machine code, one per HTTP status: invalid 400, unauthorized and second_factor_required 401, forbidden, password_change_required, second_factor_enrolment_required and consent_required 403, not_found 404, method_not_allowed 405, conflict 409, too_large 413, unsupported_media_type 415, unprocessable and outside_jurisdiction 422, rate_limited 429, internal 500, unavailable 503"},
					"message": map[string]any{"type": "string", "description": "for a person: Vietnamese by default, English with Accept-Language: en (or ?lang=en); when errors is present, the message of its first entry"},
					"field":   map[string]any{"type": "string", "description": "the field of errors' first entry, for clients that show one field"},
					"errors": map[string]any{"type": "array", "description": "every field at fault, when the request has field problems: a form marks them all at once",
						"items": obj([]string{"field", "code", "message"}, map[string]any{
							"field": map[string]any{"type": "string", "description": "path of the field in the body: location.lat, items[2].id; or a header (If-Match)"},
							"code": map[string]any{"type": "string", "enum": []string{"required", "wrong_type", "unknown_field", "bad_enum", "out_of_range", "too_long", "too_many", "malformed", "mismatch", "invalid"},
								"description": "what is wrong, stable: required (missing or empty), wrong_type (another JSON type), unknown_field (not part of the request), bad_enum (not an allowed value), out_of_range, too_long (text), too_many (list items), malformed (a value of the wrong form: time, phone, code), mismatch (disagrees with another value), invalid (anything else; the message says what)"},
							"message": map[string]any{"type": "string", "description": "for a person, in the language of message, naming the field"}})},
					"request_id": map[string]any{"type": "string", "description": "the request's X-Request-Id (the caller's, when well-formed, else one the server made): quote it when reporting the error, it finds the request's log line"}})}),
				"Tokens": obj(nil, map[string]any{"access_token": str, "token_type": str, "expires_in": map[string]any{"type": "integer"},
					"expires_at": dateTime, "refresh_token": str, "refresh_expires_at": dateTime, "user": ref("User"),
					"privacy": obj(nil, map[string]any{"version": map[string]any{"type": "integer"}, "accepted": boolean})}),
				"User": obj(nil, map[string]any{"id": str, "role": str, "phone": str, "username": str, "unit_id": str,
					"display_name":             map[string]any{"type": "string", "description": "the name the person chose (PATCH /v1/me)"},
					"password_change_required": map[string]any{"type": "boolean", "description": "the one-time password must be changed first: until then every other operation answers 403 password_change_required"}}),
				"Location": obj([]string{"lat", "lng"}, map[string]any{"lat": num, "lng": num, "accuracy_m": num}),
				"NewTicket": obj([]string{"category", "description", "location"}, map[string]any{
					"category": str, "description": map[string]any{"type": "string", "maxLength": 4000}, "location": ref("Location"),
					"address": str, "media": map[string]any{"type": "array", "items": str, "maxItems": 6}, "allow_contact": boolean,
					"client_request_id": str,
					"channel":           map[string]any{"type": "string", "enum": []string{"app", "web"}, "description": "how the resident files: app (default) or web; the other channels are for officials (POST /v1/tickets/on-behalf): 400 bad_enum"},
					"occurred_at":       map[string]any{"type": "string", "format": "date-time", "description": "when the problem happened, if the resident says: not in the future (5 minutes of clock skew allowed), at most 30 days before filing; the deadlines still run from filing"}}),
				"Ticket": obj(nil, ticketProps),
				"Action": obj([]string{"action"}, map[string]any{"action": map[string]any{"type": "string", "enum": []string{"accept", "reject", "transfer", "mark_duplicate", "merge", "start", "request_info",
					"resolve", "note", "assign", "request_extension", "approve_extension", "deny_extension", "provide_info", "withdraw", "rate", "reopen", "follow", "unfollow", "add_comment",
					"recategorize", "set_private", "set_public", "hide_from_public"}},
					"expected_version": map[string]any{"type": "integer"}, "note": str,
					"visibility": map[string]any{"type": "string", "enum": []string{"public", "internal"}, "description": "of a note, an answer (provide_info), a rating comment or what the reporter adds (add_comment); residents' texts are internal unless public is chosen, and an internal add_comment is left out of the public view altogether"},
					"reason":     str, "outcome": map[string]any{"type": "string", "enum": []string{"fixed", "partially_fixed", "not_fixable", "not_responsible"}},
					"rating": map[string]any{"type": "integer", "minimum": 1, "maximum": 5}, "comment": str, "due_at": dateTime, "unit": str, "area": str,
					"officer": str, "duplicate_of": map[string]any{"type": "string", "description": "mark_duplicate, merge: the id of the ticket kept (open; for a unit's officials, at their unit)"}, "media": map[string]any{"type": "array", "items": str, "description": "resolve: the result photos; add_comment: the reporter's photos, with those filed at most 6 per report; hide_from_public: photos of the report to hide from the public"},
					"category":    map[string]any{"type": "string", "description": "recategorize: the code of the new category (GET /v1/categories); its routing, privacy and deadlines apply, the deadlines counted from filing"},
					"description": map[string]any{"type": "string", "maxLength": models.MaxDescriptionRunes, "description": "hide_from_public: the text every public view shows instead of the resident's description, which stays for them and the officials"}}),
				"Account": obj([]string{"id", "role", "created_at", "disabled", "password_change_required", "two_factor"}, accountProps()),
				"Area": obj([]string{"code", "name"}, map[string]any{"code": str, "name": str, "full_name": str, "kind": str, "boundary_set": str,
					"bbox": map[string]any{"type": "array", "items": num, "minItems": 4, "maxItems": 4, "description": "[min lng, min lat, max lng, max lat], as in GeoJSON"}}),
				"QueueEvent":  queueEventSchema(),
				"CannedReply": cannedReplySchema(),
				"Category": obj([]string{"code", "group", "name", "unit_kind", "priority", "triage_sla", "resolve_sla", "private_by_default", "contact_allowed", "active"}, map[string]any{
					"code": str, "group": map[string]any{"type": "string", "enum": []string{"antt", "asxh", "do_thi", "moi_truong", "giao_thong", "khac"}},
					"name": str, "name_en": str, "description": str,
					"unit_kind":  map[string]any{"type": "string", "description": "the kind of unit that handles it (cong_an, ubnd, vhxh, …)"},
					"city_level": map[string]any{"type": "boolean", "description": "routed to the city's unit of unit_kind rather than the ward's"},
					"priority":   map[string]any{"type": "string", "enum": []string{"normal", "urgent"}},
					"triage_sla": sla, "resolve_sla": sla,
					"private_by_default": map[string]any{"type": "boolean", "description": "reports of this category are private: never in public views"},
					"contact_allowed":    map[string]any{"type": "boolean", "description": "the unit may see the reporter's contact when they allow it"},
					"emergency_number":   map[string]any{"type": "string", "description": "113, 114 or 115: call it instead when in danger"},
					"attributes": map[string]any{"type": "array", "items": obj([]string{"code", "datatype", "required", "description"}, map[string]any{
						"code": str, "datatype": str, "required": boolean, "description": str, "values": map[string]any{"type": "array", "items": str}})},
					"active":         map[string]any{"type": "boolean", "description": "false: no new reports"},
					"policy_version": map[string]any{"type": "integer", "description": "the version of its deadline and privacy policy"},
					"info_wait_days": infoWaitDaysSchema(), "info_wait_policy": infoWaitPolicySchema()}),
				"Unit": obj([]string{"id", "kind", "name"}, map[string]any{"id": str, "kind": str, "name": str, "name_en": str,
					"boundary_set": str, "area_code": str, "disabled": map[string]any{"type": "boolean", "description": "receives no new tickets (routing sends them to the IOC)"}}),
			},
		},
		"paths": map[string]any{
			"/livez":   map[string]any{"get": op("Process is up (liveness: restart the process when it fails)", []string{"ops"}, false, nil, nil, map[string]any{"200": resp("ok", nil)})},
			"/healthz": map[string]any{"get": op("Process is up (the earlier name of /livez)", []string{"ops"}, false, nil, nil, map[string]any{"200": resp("ok", nil)})},
			"/readyz": map[string]any{"get": op("Ready for traffic: store reachable, schema current, write queue not saturated, every background worker cycling within its bound", []string{"ops"}, false, nil, nil,
				map[string]any{"200": resp("ready", readinessSchema), "503": resp("unready, with the checks that failed", readinessSchema)})},
			"/openapi.json": map[string]any{"get": op("This document", []string{"ops"}, false, nil, nil, map[string]any{"200": resp("OpenAPI 3.1", nil)})},
			"/v1/auth/otp": map[string]any{"post": op("Send a sign-in code by SMS", []string{"auth"}, false,
				obj([]string{"phone"}, map[string]any{"phone": str}), nil, map[string]any{"202": resp("code sent", nil)}, "400", "403", "415", "429", "503")},
			"/v1/auth/otp/verify": map[string]any{"post": op("Exchange a code for tokens (creates the resident on first sign-in)", []string{"auth"}, false,
				obj([]string{"phone", "code"}, map[string]any{"phone": str, "code": str,
					"accept_privacy_version": map[string]any{"type": "integer", "description": "accept this version of the privacy notice (the one in force) in the same call"}}),
				nil, map[string]any{"200": resp("tokens, with privacy {version, accepted}", ref("Tokens"))}, "400", "401", "429")},
			"/v1/auth/login": map[string]any{"post": op("Official sign-in with a password, and otp (the authenticator's code or a recovery code) for an account with a second factor: without it 401 second_factor_required; a wrong or replayed one is a failed sign-in (401, 429 once locked)", []string{"auth"}, false,
				obj([]string{"username", "password"}, map[string]any{"username": str, "password": str, "otp": str}), nil, map[string]any{"200": resp("tokens", ref("Tokens"))}, "400", "401", "429")},
			"/v1/auth/refresh": map[string]any{"post": op("Rotate a refresh token", []string{"auth"}, false,
				obj([]string{"refresh_token"}, map[string]any{"refresh_token": str}), nil, map[string]any{"200": resp("tokens", ref("Tokens"))}, "400", "401")},
			"/v1/auth/logout": map[string]any{"post": op("Revoke a refresh token's family", []string{"auth"}, false,
				obj(nil, map[string]any{"refresh_token": map[string]any{"type": "string", "description": "the refresh token to revoke; without it, nothing is revoked"}}),
				nil, map[string]any{"204": resp("signed out", nil)}, "400")},
			"/v1/me": map[string]any{"get": op("The caller's account", []string{"auth"}, true, nil, nil, map[string]any{"200": resp("user", ref("User"))}, "401")},
			"/v1/me/password": map[string]any{"post": op("Change the caller's password (officials). A wrong current_password is a failed sign-in "+
				"(403, and 429 once the account is locked); success signs out every session of the account, this one's refresh token included",
				[]string{"auth"}, true,
				obj([]string{"current_password", "new_password"}, map[string]any{"current_password": str,
					"new_password": map[string]any{"type": "string", "minLength": app.MinPasswordLength}}),
				nil, map[string]any{"204": resp("changed", nil)}, "400", "401", "403", "409", "429")},
			"/v1/categories": map[string]any{"get": op("Report categories with deadlines", []string{"catalog"}, false, nil, nil,
				map[string]any{"200": resp("categories", obj([]string{"categories"}, map[string]any{"categories": map[string]any{"type": "array", "items": ref("Category")}}))})},
			"/v1/units": map[string]any{"get": op("Units that handle tickets (ids accepted by `admin user create --unit`)", []string{"catalog"}, false, nil, nil,
				map[string]any{"200": resp("units", obj([]string{"units"}, map[string]any{"units": map[string]any{"type": "array", "items": ref("Unit")}}))})},
			"/v1/areas": map[string]any{"get": op("Areas of the active boundary set", []string{"catalog"}, false, nil, nil,
				map[string]any{"200": resp("areas", obj([]string{"areas", "boundary_set"}, map[string]any{"areas": map[string]any{"type": "array", "items": ref("Area")}, "boundary_set": str}))})},
			"/v1/areas/locate": map[string]any{"get": op("Which area and units cover a point", []string{"catalog"}, false, nil,
				[]any{param("lat", "query", true, "number", "latitude"), param("lng", "query", true, "number", "longitude")},
				map[string]any{"200": resp("area", obj([]string{"area", "units", "routed_by_nearest", "ambiguous"}, map[string]any{"area": ref("Area"),
					"units":             map[string]any{"type": "array", "items": ref("Unit")},
					"routed_by_nearest": map[string]any{"type": "boolean", "description": "the point is in no area: the nearest one (within the city's bounds) takes it"},
					"ambiguous":         map[string]any{"type": "boolean", "description": "the point is on a border: officials check the routing"}}))}, "400", "422")},
			"/v1/areas/{code}": map[string]any{"get": op("One area with its polygon (GeoJSON Feature)", []string{"catalog"}, false, nil,
				[]any{param("code", "path", true, "string", "area code")},
				map[string]any{"200": map[string]any{"description": "GeoJSON Feature", "content": map[string]any{"application/geo+json": map[string]any{"schema": obj([]string{"type", "geometry", "properties"}, map[string]any{
					"id": str, "type": map[string]any{"const": "Feature"},
					"geometry": obj([]string{"type", "coordinates"}, map[string]any{"type": map[string]any{"type": "string", "enum": []string{"Polygon", "MultiPolygon"}},
						"coordinates": map[string]any{"type": "array", "description": "GeoJSON (RFC 7946) positions, [lng, lat]"}}),
					"properties": obj([]string{"code", "name"}, map[string]any{"code": str, "name": str, "full_name": str, "kind": str, "boundary_set": str})})}}}}, "404")},
			"/v1/tickets": map[string]any{
				"post": op("File a report (Idempotency-Key makes retries safe)", []string{"tickets"}, true, ref("NewTicket"),
					[]any{param("Idempotency-Key", "header", false, "string", "a retry with the same key returns the original ticket, whatever the rate limits")},
					map[string]any{"201": resp("created", ref("Ticket")), "200": resp("the original ticket of this idempotency key", ref("Ticket"))},
					"400", "401", "403", "415", "422", "429"),
				"get": op("The caller's reports (mine=true, the reporter's view) or the reports the caller follows (following=true, the public view), newest first", []string{"tickets"}, true, nil,
					[]any{param("mine", "query", false, "boolean", "true: the caller's own reports"), param("following", "query", false, "boolean", "true: the reports the caller follows (give one of mine and following)"),
						param("cursor", "query", false, "string", "next_cursor of the previous page"),
						param("limit", "query", false, "integer", "page size, at most 100")},
					map[string]any{"200": resp("page", obj(nil, map[string]any{"tickets": map[string]any{"type": "array", "items": ref("Ticket")}, "next_cursor": str}))},
					"400", "401", "403"),
			},
			"/v1/tickets/{id}": map[string]any{"get": op("One ticket as the caller may see it (reporter, followers, responsible unit, earlier units, IOC)", []string{"tickets"}, true, nil,
				[]any{param("id", "path", true, "string", "ticket id")}, map[string]any{"200": resp("ticket", ref("Ticket"))}, "401", "404")},
			"/v1/tickets/{id}/actions": map[string]any{"post": op("Perform a workflow action (compare-and-set on expected_version or If-Match)", []string{"workflow"}, true,
				ref("Action"), []any{param("id", "path", true, "string", "ticket id"), param("If-Match", "header", false, "string", "the ticket version the caller saw")},
				map[string]any{"200": resp("the updated ticket", ref("Ticket"))}, "400", "401", "403", "404", "409", "415", "422", "429")},
			"/v1/tickets/nearby": map[string]any{"get": op("Open public reports of a category within 250 m (\"me too\" before filing), in the public view: rounded points, no address, scrubbed text", []string{"tickets"}, true, nil,
				[]any{param("lat", "query", true, "number", "latitude"), param("lng", "query", true, "number", "longitude"), param("category", "query", true, "string", "category code")},
				map[string]any{"200": resp("nearest first, at most 5", obj([]string{"tickets"}, map[string]any{"tickets": map[string]any{"type": "array", "items": obj(nil, nearbyProps)}}))}, "400", "401", "422", "429")},
			"/v1/queue": map[string]any{"get": op("Officials' queue by deadline with counts per state", []string{"workflow"}, true, nil,
				[]any{param("state", "query", false, "string", "comma-separated states (default: the open ones)"), param("category", "query", false, "string", "category code"),
					param("overdue", "query", false, "boolean", "only tickets past their running deadline"), param("due_before", "query", false, "string", "RFC 3339"),
					param("q", "query", false, "string", "text in code, description or address, without regard to case or accents; for the IOC a phone number finds the reports its account filed (audited)"),
					param("area", "query", false, "string", "area code (IOC)"),
					param("unit", "query", false, "string", "unit id (IOC; officials only their own)"), param("cursor", "query", false, "string", "next_cursor"),
					param("assigned", "query", false, "string", "me: assigned to the caller; none: to nobody"),
					param("extension", "query", false, "string", "pending: an extension request awaits a decision"),
					param("routing", "query", false, "string", "flagged: routed to the nearest ward or ambiguously, to check"),
					param("channel", "query", false, "string", "how the tickets came: app (also those filed before channels were recorded), web, hotline, walk_in, zalo, email, open311, other"),
					param("group", "query", false, "string", "category group, e.g. moi_truong"),
					param("limit", "query", false, "integer", "page size, at most 100")},
				map[string]any{"200": resp("page", obj(nil, map[string]any{"tickets": map[string]any{"type": "array", "items": ref("Ticket")}, "next_cursor": str, "counts": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "integer"},
					"description": "tickets of the caller's queue per state, whatever the other filters"}}))},
				"400", "401", "403")},
			"/v1/devices": map[string]any{"get": op("The caller's registered devices, most recently seen first (remove one with DELETE /v1/devices/{token})", []string{"push"}, true, nil, nil,
				map[string]any{"200": resp("the devices", obj([]string{"devices"}, map[string]any{"devices": map[string]any{"type": "array",
					"items": obj(nil, map[string]any{"token": str, "platform": str, "locale": str, "app_version": str, "last_seen_at": dateTime})}}))}, "401"), "post": op("Register this device's FCM token for pushes (idempotent; a token moves to the newest user; at most 10 devices per user)", []string{"push"}, true,
				obj([]string{"token", "platform"}, map[string]any{"token": str, "platform": map[string]any{"type": "string", "enum": []string{"android", "ios", "web"}},
					"locale": map[string]any{"type": "string", "description": "e.g. vi-VN (default) or en-US: the language of pushes"}, "app_version": str}), nil,
				map[string]any{"200": resp("the registration", obj(nil, map[string]any{"token": str, "platform": str, "locale": str, "app_version": str, "last_seen_at": dateTime}))},
				"400", "401", "415")},
			"/v1/devices/{token}": map[string]any{"delete": op("Unregister one of the caller's device tokens (sign-out)", []string{"push"}, true, nil,
				[]any{param("token", "path", true, "string", "the FCM token, URL-escaped")},
				map[string]any{"204": resp("done (also when the token was unknown)", nil)}, "400", "401")},
			"/v1/subscriptions": map[string]any{
				"get": op("The caller's ward subscriptions (residents)", []string{"push"}, true, nil, nil,
					map[string]any{"200": resp("by area code", obj(nil, map[string]any{"subscriptions": map[string]any{"type": "array", "items": subscriptionSchema}}))},
					"401", "403"),
				"post": op("Subscribe to a ward's announcements of resolved public reports (an FCM topic every device of the caller joins)", []string{"push"}, true,
					obj([]string{"area_code"}, map[string]any{"area_code": map[string]any{"type": "string", "description": "an area of the active boundary set, e.g. 30280"}}), nil,
					map[string]any{"201": resp("subscribed", subscriptionSchema), "200": resp("already subscribed", subscriptionSchema)},
					"400", "401", "403", "415", "422"),
			},
			"/v1/subscriptions/{area}": map[string]any{"delete": op("Unsubscribe from a ward's announcements", []string{"push"}, true, nil,
				[]any{param("area", "path", true, "string", "area code")},
				map[string]any{"204": resp("done (also when not subscribed)", nil)}, "401", "403", "404")},
			"/v1/admin/audit": map[string]any{"get": op("Audit log, newest first (administrators); each record carries seq, prev_hash and hash of the hash chain", []string{"admin"}, true, nil,
				[]any{param("actor", "query", false, "string", "actor id"), param("action", "query", false, "string", "e.g. reveal_reporter"), param("ticket", "query", false, "string", "ticket id"),
					param("subject", "query", false, "string", "subject id: the account, key or person acted on"),
					param("from", "query", false, "string", "RFC 3339"), param("to", "query", false, "string", "RFC 3339"), param("cursor", "query", false, "string", "next_cursor"), param("limit", "query", false, "integer", "page size")},
				map[string]any{"200": resp("page", obj([]string{"records"}, map[string]any{"next_cursor": str, "records": map[string]any{"type": "array", "items": obj(
					[]string{"id", "at", "actor_id", "actor_role", "action", "seq", "hash"}, map[string]any{"id": str, "at": dateTime, "actor_id": str, "actor_role": str,
						"action": str, "ticket_id": str, "subject_id": str, "detail": str, "seq": map[string]any{"type": "integer", "description": "position in the hash chain"},
						"prev_hash": str, "hash": str})}}))}, "400", "401", "403")},
		},
	}
	addStatsPaths(doc["paths"].(map[string]any), op, param, resp)
	addReportPaths(doc["paths"].(map[string]any), op, param)
	addOpenDataPaths(doc["paths"].(map[string]any), op, param)
	addMediaPaths(doc["paths"].(map[string]any), op, param, resp)
	addKeyPaths(doc["paths"].(map[string]any), op, param, resp)
	addCalendarPaths(doc["paths"].(map[string]any), op, param, resp)
	addSwitchOverPaths(doc["paths"].(map[string]any), op, param, resp)
	addUserPaths(doc["paths"].(map[string]any), op, param, resp)
	addTwoFactorPaths(doc["paths"].(map[string]any), op, param, resp)
	addCatalogAdminPaths(doc["paths"].(map[string]any), op, param, resp)
	addPrivacyPaths(doc["paths"].(map[string]any), op, param, resp)
	addErasurePaths(doc["paths"].(map[string]any), op, param, resp)
	addInboxPaths(doc["paths"].(map[string]any), op, param, resp)
	addLivePaths(doc["paths"].(map[string]any), op, param)
	addReplyPaths(doc["paths"].(map[string]any), op, param, resp)
	addDuplicatePaths(doc["paths"].(map[string]any), op, param, resp)
	addBulkPaths(doc["paths"].(map[string]any), op, resp)
	addFilterPaths(doc["paths"].(map[string]any), op, param, resp)
	addReportArchivePaths(doc["paths"].(map[string]any), op, param, resp)
	addOnBehalfPaths(doc, op, param, resp)
	answerAlways(doc["paths"].(map[string]any), errs)
	nameOperations(doc["paths"].(map[string]any))
	return doc
}

// answerAlways adds the answers any operation of the JSON API may give whatever it does: 503
// (load shed, a request out of time, the store down), 413 for one with a body (over the body
// limit), and 403 for a signed-in one (a disabled account, a password to change first, a
// second factor to enrol, consent to give).
func answerAlways(paths map[string]any, errs func(codes ...string) map[string]any) {
	for path, ops := range paths {
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		for _, o := range ops.(map[string]any) {
			op := o.(map[string]any)
			codes := []string{"503"}
			if _, ok := op["requestBody"]; ok {
				codes = append(codes, "413")
			}
			if sec, _ := op["security"].([]any); len(sec) > 0 {
				codes = append(codes, "403")
			}
			responses := op["responses"].(map[string]any)
			for code, r := range errs(codes...) {
				if _, ok := responses[code]; !ok {
					responses[code] = r
				}
			}
		}
	}
}

// nameOperations gives every operation an operationId made from its method and path
// (POST /v1/tickets/{id}/actions → postTicketsIdActions), which generated clients turn into
// function names: unique because method and path are, and stable as long as the route is.
func nameOperations(paths map[string]any) {
	for path, ops := range paths {
		var name strings.Builder
		for _, part := range strings.FieldsFunc(strings.TrimPrefix(path, "/v1/"), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			name.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
		for method, o := range ops.(map[string]any) {
			o.(map[string]any)["operationId"] = method + name.String()
		}
	}
}

// OpenAPIJSON is the OpenAPI document the server serves at /openapi.json, for tools and the
// tests that check every answer against it.
func OpenAPIJSON() ([]byte, error) {
	pages, err := newConsole(DefaultConfig())
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: DefaultConfig()}
	s.api, s.open311, s.console = &jsonAPI{s}, &open311API{s}, &consoleUI{Server: s, pages: pages}
	return s.renderOpenAPI()
}

// renderOpenAPI is the document with each operation's security taken from the route table:
// the bearer token, and a machine key (X-API-Key) where the route admits one.
func (s *Server) renderOpenAPI() ([]byte, error) {
	doc := openAPIDocument()
	paths := doc["paths"].(map[string]any)
	for _, r := range s.policy() {
		if keyScope(r.Roles) == "" || !strings.HasPrefix(r.Path, "/v1/") {
			continue
		}
		path := r.Path
		for _, part := range strings.Split(path, "/") {
			if name, ok := strings.CutPrefix(part, ":"); ok {
				path = strings.Replace(path, part, "{"+name+"}", 1)
			}
		}
		if o, ok := paths[path].(map[string]any)[strings.ToLower(r.Method)].(map[string]any); ok {
			o["security"] = []any{map[string]any{"bearer": []any{}}, map[string]any{"apiKey": []any{}}}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("render OpenAPI document: %w", err)
	}
	return out, nil
}

func (s *Server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(s.openapi)
}

// historyEventProperties describes one entry of a ticket's history (handlers/tickets.go
// eventBody): the state change, the actor's note, and what the action decided in its own fields.
func historyEventProperties() map[string]any {
	str := map[string]any{"type": "string"}
	desc := func(typ, d string) map[string]any { return map[string]any{"type": typ, "description": d} }
	return map[string]any{"at": map[string]any{"type": "string", "format": "date-time"}, "action": str, "from": str,
		"to": str, "actor_role": str, "visibility": str,
		"actor":         desc("string", "officials' view only: the staff id, or the reporter's pseudonym"),
		"note":          desc("string", "only what the actor typed; what the action decided is in the fields below"),
		"note_internal": desc("boolean", "a resident's answer, rating comment or addition (add_comment) that only the reporter and the officials read"),
		"media": map[string]any{"type": "array", "items": str,
			"description": "add_comment: the photos the reporter added; hide_from_public: the photos hidden from the public (the reporter's and the officials' views only)"},
		"reason": desc("string", "reject (one of the reject reasons), transfer, request_extension, reopen, recategorize, set_private, set_public: the reason given; "+
			"the system's follow of a merged duplicate's reporter (officials only): duplicate_merged"),
		"outcome": map[string]any{"type": "string", "enum": []string{"fixed", "partially_fixed", "not_fixable", "not_responsible", "no_response"},
			"description": "resolve: the outcome; close_no_response (the system): no_response"},
		"due_at": map[string]any{"type": "string", "format": "date-time",
			"description": "request_extension: the deadline asked for; approve_extension: the deadline granted; remind: the deadline approaching"},
		"unit_id":            desc("string", "transfer, and a recategorize whose category routes elsewhere: the unit the ticket moved to"),
		"unit_name":          desc("string", "transfer, recategorize: the name of that unit then"),
		"category":           desc("string", "recategorize: the category the ticket moved to"),
		"prev_category":      desc("string", "recategorize: the category it had before"),
		"public_description": desc("string", "officials' view only; hide_from_public: the text the public reads instead of the description"),
		"duplicate_of":       desc("string", "mark_duplicate, merge: the code of the original; absent in the public view when the original is not public"),
		"merged_from":        desc("string", "merged_from: the code of the duplicate merged into this ticket (public only when that one is public)"),
		"rating": map[string]any{"type": "integer", "minimum": 1, "maximum": 5,
			"description": "rate: the resident's rating (the comment is the note)"},
		"assignee":         desc("string", "officials' view only; assign: the username of the official named"),
		"escalation_level": desc("integer", "officials' view only; escalate: 1 the unit leader, 2 the IOC"),
	}
}
