package handlers

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument is the OpenAPI 3.1 description of every route. TestOpenAPICoversRoutes fails
// when a registered route is missing here or a documented one is not registered.
func openAPIDocument() map[string]any {
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
			out[c] = resp("error", answerSchema(errorBody{}))
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
			"parameters": map[string]any{"Cursor": map[string]any{"name": "cursor", "in": "query", "required": false, "schema": map[string]any{"type": "string"},
				"description": "next_cursor of the previous page; absent for the first page. Lists that page are keyset-paged: an answer holds at most limit items and, when more follow, next_cursor (has_more in the change feed); a cursor is opaque and stays valid while the list changes (no item is repeated or skipped)"}},
			"headers": map[string]any{
				"Retry-After":      map[string]any{"description": "seconds until the request may be made again", "schema": map[string]any{"type": "integer"}},
				"RateLimit-Policy": map[string]any{"description": "the rate limits the request counted against, sent on every answer of a rate-limited operation (IETF httpapi draft): \"intake_user\";q=30;w=900 allows 30 requests per 900 s", "schema": str},
				"RateLimit":        map[string]any{"description": "what is left of each limit of RateLimit-Policy: \"intake_user\";r=29;t=840 leaves 29 requests for the 840 s until the window ends (r=0 on a 429)", "schema": str},
			},
			"schemas": map[string]any{},
		},
		"paths": map[string]any{
			"/livez":   map[string]any{"get": op("Process is up (liveness: restart the process when it fails)", []string{"ops"}, false, nil, nil, map[string]any{"200": resp("ok", nil)})},
			"/healthz": map[string]any{"get": op("Process is up (the earlier name of /livez)", []string{"ops"}, false, nil, nil, map[string]any{"200": resp("ok", nil)})},
			"/readyz": map[string]any{"get": op("Ready for traffic: store reachable, schema current, write queue not saturated, every background worker cycling within its bound", []string{"ops"}, false, nil, nil,
				map[string]any{"200": resp("ready", answerSchema(readiness{})), "503": resp("unready, with the checks that failed", answerSchema(readiness{}))})},
			"/openapi.json": map[string]any{"get": op("This document", []string{"ops"}, false, nil, nil, map[string]any{"200": resp("OpenAPI 3.1", nil)})},
			"/v1/auth/otp": map[string]any{"post": op("Send a sign-in code by SMS", []string{"auth"}, false,
				requestSchema(otpRequest{}), nil, map[string]any{"202": resp("code sent", nil)}, "400", "403", "415", "429", "503")},
			"/v1/auth/otp/verify": map[string]any{"post": op("Exchange a code for tokens (creates the resident on first sign-in)", []string{"auth"}, false,
				requestSchema(otpVerifyRequest{}),
				nil, map[string]any{"200": resp("tokens, with privacy {version, accepted}", answerSchema(tokensResponse{}))}, "400", "401", "429")},
			"/v1/auth/login": map[string]any{"post": op("Official sign-in with a password, and otp (the authenticator's code or a recovery code) for an account with a second factor: without it 401 second_factor_required; a wrong or replayed one is a failed sign-in (401, 429 once locked)", []string{"auth"}, false,
				requestSchema(loginRequest{}), nil, map[string]any{"200": resp("tokens", answerSchema(tokensResponse{}))}, "400", "401", "429")},
			"/v1/auth/refresh": map[string]any{"post": op("Rotate a refresh token", []string{"auth"}, false,
				requestSchema(refreshRequest{}), nil, map[string]any{"200": resp("tokens", answerSchema(tokensResponse{}))}, "400", "401")},
			"/v1/auth/logout": map[string]any{"post": op("Revoke a refresh token's family", []string{"auth"}, false,
				requestSchema(logoutRequest{}),
				nil, map[string]any{"204": resp("signed out", nil)}, "400")},
			"/v1/me": map[string]any{"get": op("The caller's account", []string{"auth"}, true, nil, nil, map[string]any{"200": resp("user", answerSchema(meBody{}))}, "401")},
			"/v1/me/password": map[string]any{"post": op("Change the caller's password (officials). A wrong current_password is a failed sign-in "+
				"(403, and 429 once the account is locked); success signs out every session of the account, this one's refresh token included",
				[]string{"auth"}, true,
				requestSchema(passwordRequest{}),
				nil, map[string]any{"204": resp("changed", nil)}, "400", "401", "403", "409", "429")},
			"/v1/categories": map[string]any{"get": op("Report categories with deadlines", []string{"catalog"}, false, nil, nil,
				map[string]any{"200": resp("categories", answerSchema(categoryList{}))})},
			"/v1/units": map[string]any{"get": op("Units that handle tickets (ids accepted by `admin user create --unit`)", []string{"catalog"}, false, nil, nil,
				map[string]any{"200": resp("units", answerSchema(unitList{}))})},
			"/v1/areas": map[string]any{"get": op("Areas of the active boundary set", []string{"catalog"}, false, nil, nil,
				map[string]any{"200": resp("areas", answerSchema(areaList{}))})},
			"/v1/areas/locate": map[string]any{"get": op("Which area and units cover a point", []string{"catalog"}, false, nil,
				[]any{param("lat", "query", true, "number", "latitude"), param("lng", "query", true, "number", "longitude")},
				map[string]any{"200": resp("area", answerSchema(locateResponse{}))}, "400", "422")},
			"/v1/areas/{code}": map[string]any{"get": op("One area with its polygon (GeoJSON Feature)", []string{"catalog"}, false, nil,
				[]any{param("code", "path", true, "string", "area code")},
				map[string]any{"200": map[string]any{"description": "GeoJSON Feature", "content": map[string]any{"application/geo+json": map[string]any{"schema": obj([]string{"type", "geometry", "properties"}, map[string]any{
					"id": str, "type": map[string]any{"const": "Feature"},
					"geometry": obj([]string{"type", "coordinates"}, map[string]any{"type": map[string]any{"type": "string", "enum": []string{"Polygon", "MultiPolygon"}},
						"coordinates": map[string]any{"type": "array", "description": "GeoJSON (RFC 7946) positions, [lng, lat]"}}),
					"properties": obj([]string{"code", "name"}, map[string]any{"code": str, "name": str, "full_name": str, "kind": str, "boundary_set": str})})}}}}, "404")},
			"/v1/tickets": map[string]any{
				"post": op("File a report (Idempotency-Key makes retries safe)", []string{"tickets"}, true, requestSchema(createTicketRequest{}),
					[]any{param("Idempotency-Key", "header", false, "string", "a retry with the same key returns the original ticket, whatever the rate limits")},
					map[string]any{"201": resp("created", answerSchema(ticketBody{})), "200": resp("the original ticket of this idempotency key", answerSchema(ticketBody{}))},
					"400", "401", "403", "415", "422", "429"),
				"get": op("The caller's reports (mine=true, the reporter's view) or the reports the caller follows (following=true, the public view), newest first", []string{"tickets"}, true, nil,
					[]any{param("mine", "query", false, "boolean", "true: the caller's own reports"), param("following", "query", false, "boolean", "true: the reports the caller follows (give one of mine and following)"),
						cursorParam(),
						param("limit", "query", false, "integer", "page size, at most 100")},
					map[string]any{"200": resp("page", answerSchema(ticketListResponse{}))},
					"400", "401", "403"),
			},
			"/v1/tickets/{id}": map[string]any{"get": op("One ticket as the caller may see it (reporter, followers, responsible unit, earlier units, IOC)", []string{"tickets"}, true, nil,
				[]any{param("id", "path", true, "string", "ticket id")}, map[string]any{"200": resp("ticket", answerSchema(ticketBody{}))}, "401", "404")},
			"/v1/tickets/{id}/actions": map[string]any{"post": op("Perform a workflow action (compare-and-set on expected_version or If-Match)", []string{"workflow"}, true,
				requestSchema(actionRequest{}), []any{param("id", "path", true, "string", "ticket id"), param("If-Match", "header", false, "string", "the ticket version the caller saw")},
				map[string]any{"200": resp("the updated ticket", answerSchema(ticketBody{}))}, "400", "401", "403", "404", "409", "415", "422", "429")},
			"/v1/tickets/nearby": map[string]any{"get": op("Open public reports of a category within 250 m (\"me too\" before filing), in the public view: rounded points, no address, scrubbed text", []string{"tickets"}, true, nil,
				[]any{param("lat", "query", true, "number", "latitude"), param("lng", "query", true, "number", "longitude"), param("category", "query", true, "string", "category code")},
				map[string]any{"200": resp("nearest first, at most 5", answerSchema(nearbyList{}))}, "400", "401", "422", "429")},
			"/v1/queue": map[string]any{"get": op("Officials' queue by deadline with counts per state", []string{"workflow"}, true, nil,
				[]any{param("state", "query", false, "string", "comma-separated states (default: the open ones)"), param("category", "query", false, "string", "category code"),
					param("overdue", "query", false, "boolean", "only tickets past their running deadline"), param("due_before", "query", false, "string", "RFC 3339"),
					param("q", "query", false, "string", "text in code, description or address, without regard to case or accents; for the IOC a phone number finds the reports its account filed (audited)"),
					param("area", "query", false, "string", "area code (IOC)"),
					param("unit", "query", false, "string", "unit id (IOC; officials only their own)"), cursorParam(),
					param("assigned", "query", false, "string", "me: assigned to the caller; none: to nobody"),
					param("extension", "query", false, "string", "pending: an extension request awaits a decision"),
					param("routing", "query", false, "string", "flagged: routed to the nearest ward or ambiguously, to check"),
					param("channel", "query", false, "string", "how the tickets came: app (also those filed before channels were recorded), web, hotline, walk_in, zalo, email, open311, other"),
					param("group", "query", false, "string", "category group, e.g. moi_truong"),
					param("limit", "query", false, "integer", "page size, at most 100")},
				map[string]any{"200": resp("page", answerSchema(queueResponse{}))},
				"400", "401", "403")},
			"/v1/devices": map[string]any{"get": op("The caller's registered devices, most recently seen first (remove one with DELETE /v1/devices/{token})", []string{"push"}, true, nil, nil,
				map[string]any{"200": resp("the devices", answerSchema(deviceList{}))}, "401"), "post": op("Register this device's FCM token for pushes (idempotent; a token moves to the newest user; at most 10 devices per user)", []string{"push"}, true,
				requestSchema(deviceRequest{}), nil,
				map[string]any{"200": resp("the registration", answerSchema(deviceResponse{}))},
				"400", "401", "415")},
			"/v1/devices/{token}": map[string]any{"delete": op("Unregister one of the caller's device tokens (sign-out)", []string{"push"}, true, nil,
				[]any{param("token", "path", true, "string", "the FCM token, URL-escaped")},
				map[string]any{"204": resp("done (also when the token was unknown)", nil)}, "400", "401")},
			"/v1/subscriptions": map[string]any{
				"get": op("The caller's ward subscriptions (residents)", []string{"push"}, true, nil, nil,
					map[string]any{"200": resp("by area code", answerSchema(subscriptionList{}))},
					"401", "403"),
				"post": op("Subscribe to a ward's announcements of resolved public reports (an FCM topic every device of the caller joins)", []string{"push"}, true,
					requestSchema(subscriptionRequest{}), nil,
					map[string]any{"201": resp("subscribed", answerSchema(subscriptionResponse{})), "200": resp("already subscribed", answerSchema(subscriptionResponse{}))},
					"400", "401", "403", "415", "422"),
			},
			"/v1/subscriptions/{area}": map[string]any{"delete": op("Unsubscribe from a ward's announcements", []string{"push"}, true, nil,
				[]any{param("area", "path", true, "string", "area code")},
				map[string]any{"204": resp("done (also when not subscribed)", nil)}, "401", "403", "404")},
			"/v1/admin/audit": map[string]any{"get": op("Audit log, newest first (administrators); each record carries seq, prev_hash and hash of the hash chain", []string{"admin"}, true, nil,
				[]any{param("actor", "query", false, "string", "actor id"), param("action", "query", false, "string", "e.g. reveal_reporter"), param("ticket", "query", false, "string", "ticket id"),
					param("subject", "query", false, "string", "subject id: the account, key or person acted on"),
					param("from", "query", false, "string", "RFC 3339"), param("to", "query", false, "string", "RFC 3339"), cursorParam(), param("limit", "query", false, "integer", "page size")},
				map[string]any{"200": resp("page", answerSchema(auditPage{}))}, "400", "401", "403")},
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

// cursorParam is the one description of paging that every paged list refers to.
func cursorParam() map[string]any { return map[string]any{"$ref": "#/components/parameters/Cursor"} }

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
	if err := reflectSchemas(doc); err != nil {
		return nil, err
	}
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
