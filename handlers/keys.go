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
	Prefix     string             `json:"prefix" jsonschema_description:"the first 8 characters of the secret, to recognise a key"`
	CreatedAt  string             `json:"created_at" jsonschema:"format=date-time"`
	LastUsedAt string             `json:"last_used_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"to within a minute; absent: never used"`
	ExpiresAt  string             `json:"expires_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"absent: never expires"`
	RevokedAt  string             `json:"revoked_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"absent: not revoked"`
}

// apiKeyList is GET /v1/admin/keys, newest first.
type apiKeyList struct {
	Keys []apiKeyBody `json:"keys"`
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
	return c.JSON(apiKeyList{Keys: out})
}

// createKeyRequest is the body of POST /v1/admin/keys; expires_at is RFC 3339, absent for never.
type createKeyRequest struct {
	Name      string             `json:"name" jsonschema:"required,minLength=1,maxLength=100"`
	Scope     models.APIKeyScope `json:"scope" jsonschema:"required"`
	ExpiresAt string             `json:"expires_at" jsonschema:"format=date-time" jsonschema_description:"RFC 3339, in the future; absent: never"`
}

// createdKeyBody is a new key with its secret, which no later answer repeats.
type createdKeyBody struct {
	Key string `json:"key" jsonschema_description:"the secret, for the X-API-Key header; shown only in this answer"`
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
	paths["/v1/admin/keys"] = map[string]any{
		"get": op("Machine keys, newest first, revoked and expired ones included; never the secret or its hash (administrators)",
			[]string{"admin"}, true, nil, nil,
			map[string]any{"200": resp("keys", answerSchema(apiKeyList{}))},
			"401", "403"),
		"post": op("Create a machine key; the answer holds its secret, shown this once (administrators; audited as api_key_create). "+
			"Scopes: open311 (POST Open311 requests), stats (/v1/stats/*), feed (/v1/feed/changes), export (/v1/export/*, every use audited as export_key_use)",
			[]string{"admin"}, true, requestSchema(createKeyRequest{}), nil,
			map[string]any{"201": resp("created", answerSchema(createdKeyBody{}))},
			"400", "401", "403", "415"),
	}
	paths["/v1/admin/keys/{id}"] = map[string]any{"delete": op("Revoke a machine key: the next request carrying it is refused with 401 (administrators; audited as api_key_revoke)",
		[]string{"admin"}, true, nil, []any{param("id", "path", true, "string", "key id")},
		map[string]any{"204": resp("revoked (also when it already was; the first time is kept)", nil)}, "401", "403", "404")}
}
