package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"phananh/models"
)

// Machine keys: created, listed and revoked by administrators (through the API or the command
// line), checked on every request that carries one. A key is a long-lived secret held by another
// system, so only its hash and a short prefix are stored, a revocation or an expiry takes effect
// on the very next request (nothing caches a key), and every use of the internal export — which
// carries private tickets — is audited.

// keyTouchEvery is how stale a key's LastUsedAt may grow before a request writes it again: often
// enough to tell a live key from a forgotten one, rarely enough that a busy key does not add a
// write to every request.
const keyTouchEvery = time.Minute

// CommandLine is the principal of the administrator at the server's command line (phananh
// admin …), who holds the store itself and so every right; audit records name it "cli".
func CommandLine() models.Principal { return models.Principal{UserID: "cli", Role: models.RoleAdmin} }

// NewAPIKey is what an administrator asks for when creating a machine key.
type NewAPIKey struct {
	Name  string
	Scope models.APIKeyScope
	// ExpiresAt is when the key stops working; zero: never. It must be in the future.
	ExpiresAt time.Time
}

// keyRoleOf is the role audit records give a machine key's principal: keys have no account role.
func keyRoleOf(p models.Principal) models.Role {
	if p.Scope != "" {
		return models.Role("apikey:" + string(p.Scope))
	}
	return p.Role
}

// CreateAPIKey creates a machine key for an administrator and returns its secret, which is shown
// this once: only its hash and its first models.APIKeyPrefixLen characters are stored. The
// creation is audited.
func (s *Auth) CreateAPIKey(ctx context.Context, by models.Principal, in NewAPIKey) (string, *models.APIKey, error) {
	if err := requireAdmin(by, "machine key management"); err != nil {
		return "", nil, err
	}
	name := strings.TrimSpace(in.Name)
	now := s.clock()
	switch {
	case name == "" || utf8.RuneCountInString(name) > 100:
		return "", nil, models.FieldError(models.EInvalid, "name", "name must have 1–100 characters")
	case !in.Scope.Valid():
		return "", nil, models.FieldError(models.EInvalid, "scope", "scope must be one of %s", scopeList())
	case !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now):
		return "", nil, models.FieldError(models.EInvalid, "expires_at", "expires_at must be in the future")
	}
	raw, err := s.secret(32)
	if err != nil {
		return "", nil, err
	}
	key := "pk_" + base64.RawURLEncoding.EncodeToString(raw)
	id, err := s.newID()
	if err != nil {
		return "", nil, err
	}
	k := &models.APIKey{ID: id, Name: name, Scope: in.Scope, Hash: hashSecret(key), Prefix: key[:models.APIKeyPrefixLen],
		CreatedAt: now}
	if !in.ExpiresAt.IsZero() {
		k.ExpiresAt = in.ExpiresAt.UTC().Truncate(time.Millisecond)
	}
	if err := s.store.CreateAPIKey(ctx, k); err != nil {
		return "", nil, err
	}
	detail := fmt.Sprintf("name=%q scope=%s prefix=%s", k.Name, k.Scope, k.Prefix)
	if !k.ExpiresAt.IsZero() {
		detail += " expires_at=" + k.ExpiresAt.Format(time.RFC3339)
	}
	if err := s.audit(ctx, by, "api_key_create", "", k.ID, detail); err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// scopeList is the valid scopes for messages: "open311, stats, feed or export".
func scopeList() string {
	names := make([]string, len(models.APIKeyScopes))
	for i, sc := range models.APIKeyScopes {
		names[i] = string(sc)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ListAPIKeys lists every machine key, newest first, revoked and expired ones included.
func (s *Auth) ListAPIKeys(ctx context.Context, by models.Principal) ([]models.APIKey, error) {
	if err := requireAdmin(by, "machine key management"); err != nil {
		return nil, err
	}
	return s.store.ListAPIKeys(ctx)
}

// RevokeAPIKey revokes the key id at once: the next request carrying it is refused. Revoking a
// revoked key succeeds and keeps the first time; both are audited, with the key's name, scope
// and prefix and whether it was active before. Unknown id: ENotFound.
func (s *Auth) RevokeAPIKey(ctx context.Context, by models.Principal, id string) error {
	if err := requireAdmin(by, "machine key management"); err != nil {
		return err
	}
	before := "unknown key"
	keys, err := s.store.ListAPIKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.ID == id {
			before = fmt.Sprintf("name=%q scope=%s prefix=%s: active→revoked", k.Name, k.Scope, k.Prefix)
			if !k.RevokedAt.IsZero() {
				before = fmt.Sprintf("name=%q scope=%s prefix=%s: already revoked at %s", k.Name, k.Scope, k.Prefix, k.RevokedAt.Format(time.RFC3339))
			}
		}
	}
	if err := s.store.RevokeAPIKey(ctx, id, s.clock()); err != nil {
		if models.IsCode(err, models.ENotFound) {
			return models.Errorf(models.ENotFound, "no API key with id %q", id)
		}
		return err
	}
	return s.audit(ctx, by, "api_key_revoke", "", id, before)
}

// AuthenticateAPIKey turns a machine key into a principal with the key's scope. The key is read
// from the store on every call, so a revocation or expiry refuses the very next request. A use
// is recorded in LastUsedAt when the stored one is at least keyTouchEvery old; failing to record
// it is logged, not a refusal.
func (s *Auth) AuthenticateAPIKey(ctx context.Context, key string) (models.Principal, error) {
	if !strings.HasPrefix(key, "pk_") {
		return models.Principal{}, models.Errorf(models.EUnauthorized, "invalid API key")
	}
	k, err := s.store.APIKeyByHash(ctx, hashSecret(key))
	if models.IsCode(err, models.ENotFound) {
		return models.Principal{}, models.Errorf(models.EUnauthorized, "invalid API key")
	} else if err != nil {
		return models.Principal{}, err
	}
	now := s.clock()
	if why := k.Unusable(now); why != "" {
		return models.Principal{}, models.Errorf(models.EUnauthorized, "this API key is %s", why)
	}
	if now.Sub(k.LastUsedAt) >= keyTouchEvery {
		if err := s.store.TouchAPIKey(ctx, k.ID, now); err != nil {
			s.log.WarnContext(ctx, "could not record the use of an API key", "key", k.ID, "err", err)
		}
	}
	return models.Principal{UserID: "apikey:" + k.ID, Scope: k.Scope}, nil
}
