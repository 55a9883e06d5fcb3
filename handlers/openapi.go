package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// openAPIDocument is the OpenAPI 3.1 description of every route. TestOpenAPICoversRoutes fails
// when a registered route is missing here or a documented one is not registered.
func openAPIDocument() map[string]any {
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
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
		return out
	}
	op := func(summary string, tags []string, secured bool, body map[string]any, params []any, responses map[string]any, errCodes ...string) map[string]any {
		o := map[string]any{"summary": summary, "tags": tags, "responses": responses}
		for k, v := range errs(errCodes...) {
			responses[k] = v
		}
		if secured {
			o["security"] = []any{map[string]any{"bearer": []any{}}}
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

	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "phananh — citizen field reports (Long Xuyên)",
			"version":     "1.0.0",
			"description": "Residents file geotagged reports routed by ward polygon to the responsible unit, with deadlines in working time. Errors are {\"error\":{\"code\",\"message\",\"field\"}}; times are RFC 3339 in +07:00.",
		},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA)"}},
			"schemas": map[string]any{
				"Error": obj([]string{"error"}, map[string]any{"error": obj([]string{"code", "message"}, map[string]any{
					"code": str, "message": str, "field": str})}),
				"Tokens": obj(nil, map[string]any{"access_token": str, "token_type": str, "expires_in": map[string]any{"type": "integer"},
					"expires_at": dateTime, "refresh_token": str, "refresh_expires_at": dateTime, "user": ref("User")}),
				"User":     obj(nil, map[string]any{"id": str, "role": str, "phone": str, "username": str, "unit_id": str}),
				"Location": obj([]string{"lat", "lng"}, map[string]any{"lat": num, "lng": num, "accuracy_m": num}),
				"NewTicket": obj([]string{"category", "description", "location"}, map[string]any{
					"category": str, "description": map[string]any{"type": "string", "maxLength": 4000}, "location": ref("Location"),
					"address": str, "media": map[string]any{"type": "array", "items": str, "maxItems": 6}, "allow_contact": boolean,
					"client_request_id": str}),
				"Ticket": obj(nil, map[string]any{
					"id": str, "code": str, "state": str, "version": map[string]any{"type": "integer"}, "category": str, "group": str,
					"description": str, "address": str, "location": ref("Location"), "media": map[string]any{"type": "array", "items": str},
					"allow_contact": boolean, "private": boolean,
					"area":         obj(nil, map[string]any{"code": str, "name": str}),
					"unit":         obj(nil, map[string]any{"id": str, "name": str, "kind": str}),
					"boundary_set": str, "routed_by_nearest": boolean, "created_at": dateTime, "updated_at": dateTime,
					"triage_due_at": dateTime, "resolve_due_at": dateTime,
					"history": map[string]any{"type": "array", "items": obj(nil, map[string]any{"at": dateTime, "action": str, "from": str,
						"to": str, "actor_role": str, "note": str, "visibility": str})},
				}),
				"Area": obj(nil, map[string]any{"code": str, "name": str, "full_name": str, "kind": str, "boundary_set": str,
					"bbox": map[string]any{"type": "array", "items": num}}),
			},
		},
		"paths": map[string]any{
			"/healthz":      map[string]any{"get": op("Process is up", []string{"ops"}, false, nil, nil, map[string]any{"200": resp("ok", nil)})},
			"/readyz":       map[string]any{"get": op("Store is reachable", []string{"ops"}, false, nil, nil, map[string]any{"200": resp("ready", nil)}, "503")},
			"/openapi.json": map[string]any{"get": op("This document", []string{"ops"}, false, nil, nil, map[string]any{"200": resp("OpenAPI 3.1", nil)})},
			"/v1/auth/otp": map[string]any{"post": op("Send a sign-in code by SMS", []string{"auth"}, false,
				obj([]string{"phone"}, map[string]any{"phone": str}), nil, map[string]any{"202": resp("code sent", nil)}, "400", "415", "429", "503")},
			"/v1/auth/otp/verify": map[string]any{"post": op("Exchange a code for tokens (creates the resident on first sign-in)", []string{"auth"}, false,
				obj([]string{"phone", "code"}, map[string]any{"phone": str, "code": str}), nil, map[string]any{"200": resp("tokens", ref("Tokens"))}, "400", "401", "429")},
			"/v1/auth/login": map[string]any{"post": op("Official sign-in with a password", []string{"auth"}, false,
				obj([]string{"username", "password"}, map[string]any{"username": str, "password": str}), nil, map[string]any{"200": resp("tokens", ref("Tokens"))}, "400", "401", "429")},
			"/v1/auth/refresh": map[string]any{"post": op("Rotate a refresh token", []string{"auth"}, false,
				obj([]string{"refresh_token"}, map[string]any{"refresh_token": str}), nil, map[string]any{"200": resp("tokens", ref("Tokens"))}, "400", "401")},
			"/v1/auth/logout": map[string]any{"post": op("Revoke a refresh token's family", []string{"auth"}, false,
				obj([]string{"refresh_token"}, map[string]any{"refresh_token": str}), nil, map[string]any{"204": resp("signed out", nil)}, "400")},
			"/v1/me": map[string]any{"get": op("The caller's account", []string{"auth"}, true, nil, nil, map[string]any{"200": resp("user", ref("User"))}, "401")},
			"/v1/categories": map[string]any{"get": op("Report categories with deadlines", []string{"catalog"}, false, nil, nil,
				map[string]any{"200": resp("categories", map[string]any{"type": "object"})})},
			"/v1/units": map[string]any{"get": op("Units that handle tickets (ids accepted by `admin user create --unit`)", []string{"catalog"}, false, nil, nil,
				map[string]any{"200": resp("units", map[string]any{"type": "object"})})},
			"/v1/areas": map[string]any{"get": op("Areas of the active boundary set", []string{"catalog"}, false, nil, nil,
				map[string]any{"200": resp("areas", map[string]any{"type": "object"})})},
			"/v1/areas/locate": map[string]any{"get": op("Which area and units cover a point", []string{"catalog"}, false, nil,
				[]any{param("lat", "query", true, "number", "latitude"), param("lng", "query", true, "number", "longitude")},
				map[string]any{"200": resp("area", map[string]any{"type": "object"})}, "400", "422")},
			"/v1/areas/{code}": map[string]any{"get": op("One area with its polygon (GeoJSON Feature)", []string{"catalog"}, false, nil,
				[]any{param("code", "path", true, "string", "area code")},
				map[string]any{"200": map[string]any{"description": "GeoJSON Feature", "content": map[string]any{"application/geo+json": map[string]any{"schema": map[string]any{"type": "object"}}}}}, "404")},
			"/v1/tickets": map[string]any{
				"post": op("File a report (Idempotency-Key makes retries safe)", []string{"tickets"}, true, ref("NewTicket"),
					[]any{param("Idempotency-Key", "header", false, "string", "a retry with the same key returns the original ticket")},
					map[string]any{"201": resp("created", ref("Ticket")), "200": resp("the original ticket of this idempotency key", ref("Ticket"))},
					"400", "401", "403", "415", "422"),
				"get": op("The caller's reports, newest first", []string{"tickets"}, true, nil,
					[]any{param("mine", "query", true, "boolean", "must be true"), param("cursor", "query", false, "string", "next_cursor of the previous page"),
						param("limit", "query", false, "integer", "page size, at most 100")},
					map[string]any{"200": resp("page", obj(nil, map[string]any{"tickets": map[string]any{"type": "array", "items": ref("Ticket")}, "next_cursor": str}))},
					"400", "401", "403"),
			},
			"/v1/tickets/{id}": map[string]any{"get": op("One ticket (reporter, responsible unit, IOC)", []string{"tickets"}, true, nil,
				[]any{param("id", "path", true, "string", "ticket id")}, map[string]any{"200": resp("ticket", ref("Ticket"))}, "401", "404")},
		},
	}
}

func (s *Server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(s.openapi)
}
