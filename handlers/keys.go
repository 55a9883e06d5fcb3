package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Machine key management for administrators: list, create (the secret is in the answer once),
// revoke. Answers never carry a key's hash; the prefix is what identifies a key to a person.

// apiKeyBody is a key as administrators see it; unset times are left out.
type apiKeyBody struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Scope      models.APIKeyScope `json:"scope"`
	Prefix     string             `json:"prefix"`
	CreatedAt  string             `json:"created_at"`
	LastUsedAt string             `json:"last_used_at,omitempty"`
	ExpiresAt  string             `json:"expires_at,omitempty"`
	RevokedAt  string             `json:"revoked_at,omitempty"`
}

func apiKeyView(k *models.APIKey) apiKeyBody {
	return apiKeyBody{ID: k.ID, Name: k.Name, Scope: k.Scope, Prefix: k.Prefix, CreatedAt: formatTime(k.CreatedAt),
		LastUsedAt: formatTime(k.LastUsedAt), ExpiresAt: formatTime(k.ExpiresAt), RevokedAt: formatTime(k.RevokedAt)}
}

func (s *jsonAPI) listKeys(c *fiber.Ctx) error {
	keys, err := s.svc.Auth.ListAPIKeys(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]apiKeyBody, 0, len(keys))
	for i := range keys {
		out = append(out, apiKeyView(&keys[i]))
	}
	return c.JSON(fiber.Map{"keys": out})
}

// createKeyRequest is the body of POST /v1/admin/keys; expires_at is RFC 3339, absent for never.
type createKeyRequest struct {
	Name      string `json:"name"`
	Scope     string `json:"scope"`
	ExpiresAt string `json:"expires_at"`
}

// createdKeyBody is a new key with its secret, which no later answer repeats.
type createdKeyBody struct {
	Key string `json:"key"`
	apiKeyBody
}

func (s *jsonAPI) createKey(c *fiber.Ctx) error {
	var req createKeyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := app.NewAPIKey{Name: req.Name, Scope: models.APIKeyScope(req.Scope)}
	if req.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, req.ExpiresAt)
		if err != nil {
			return models.FieldError(models.EInvalid, "expires_at", "expires_at must be an RFC 3339 time, e.g. 2027-01-31T17:00:00+07:00")
		}
		in.ExpiresAt = t
	}
	secret, k, err := s.svc.Auth.CreateAPIKey(c.UserContext(), principal(c), in)
	if err != nil {
		return err
	}
	c.Location("/v1/admin/keys/" + k.ID)
	return c.Status(fiber.StatusCreated).JSON(createdKeyBody{Key: secret, apiKeyBody: apiKeyView(k)})
}

func (s *jsonAPI) revokeKey(c *fiber.Ctx) error {
	if err := s.svc.Auth.RevokeAPIKey(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// addKeyPaths documents the key management routes.
func addKeyPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	str := map[string]any{"type": "string"}
	dateTime := map[string]any{"type": "string", "format": "date-time"}
	scope := map[string]any{"type": "string", "enum": models.APIKeyScopes}
	keyProps := func() map[string]any {
		return map[string]any{"id": str, "name": str, "scope": scope,
			"prefix":       map[string]any{"type": "string", "description": "the first 8 characters of the secret, to recognise a key"},
			"created_at":   dateTime,
			"last_used_at": map[string]any{"type": "string", "format": "date-time", "description": "to within a minute; absent: never used"},
			"expires_at":   map[string]any{"type": "string", "format": "date-time", "description": "absent: never expires"},
			"revoked_at":   map[string]any{"type": "string", "format": "date-time", "description": "absent: not revoked"}}
	}
	keySchema := map[string]any{"type": "object", "properties": keyProps()}
	created := keyProps()
	created["key"] = map[string]any{"type": "string", "description": "the secret, for the X-API-Key header; shown only in this answer"}
	body := map[string]any{"type": "object", "required": []string{"name", "scope"}, "additionalProperties": false,
		"properties": map[string]any{"name": map[string]any{"type": "string", "minLength": 1, "maxLength": 100}, "scope": scope,
			"expires_at": map[string]any{"type": "string", "format": "date-time", "description": "RFC 3339, in the future; absent: never"}}}
	paths["/v1/admin/keys"] = map[string]any{
		"get": op("Machine keys, newest first, revoked and expired ones included; never the secret or its hash (administrators)",
			[]string{"admin"}, true, nil, nil,
			map[string]any{"200": resp("keys", map[string]any{"type": "object", "properties": map[string]any{"keys": map[string]any{"type": "array", "items": keySchema}}})},
			"401", "403"),
		"post": op("Create a machine key; the answer holds its secret, shown this once (administrators; audited as api_key_create). "+
			"Scopes: open311 (POST Open311 requests), stats (/v1/stats/*), feed (/v1/feed/changes), export (/v1/export/*, every use audited as export_key_use)",
			[]string{"admin"}, true, body, nil,
			map[string]any{"201": resp("created", map[string]any{"type": "object", "properties": created})},
			"400", "401", "403", "415"),
	}
	paths["/v1/admin/keys/{id}"] = map[string]any{"delete": op("Revoke a machine key: the next request carrying it is refused with 401 (administrators; audited as api_key_revoke)",
		[]string{"admin"}, true, nil, []any{param("id", "path", true, "string", "key id")},
		map[string]any{"204": resp("revoked (also when it already was; the first time is kept)", nil)}, "401", "403", "404")}
}
