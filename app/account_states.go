package app

import (
	"context"
	"sync"
	"time"

	"phananh/models"
)

// accountStateTTL is how long an instance trusts what it read of an account's state. Every
// instance reads it again after this, so a change made on another instance (disabling, moving,
// a password reset) ends the account's access tokens everywhere within it; the instance that
// made the change forgets its copy at once.
const accountStateTTL = 2 * time.Second

// maxAccountStates bounds the cache: past it the map is dropped and refilled, which costs one
// store read per active account rather than memory for every account ever seen.
const maxAccountStates = 100_000

// The refusals of accounts that may not act; functions, not shared values, so no answer can
// change another's.
func errDisabled() error { return models.Errorf(models.EUnauthorized, "this account is disabled") }

func errSessionEnded() error {
	return models.Errorf(models.EUnauthorized, "this session has ended; sign in again")
}

// errBlocked is what a blocked resident is told: never the administrator's reason.
func errBlocked() error { return models.Errorf(models.EForbidden, "this account is blocked") }

// accountState is what Authenticate needs of an account besides its token.
type accountState struct {
	disabled   bool
	generation int
	twoFactor  bool // the account has a second factor (REQUIRE_2FA)
	until      time.Time
}

// accountStates caches accountState per user id for accountStateTTL.
type accountStates struct {
	mu sync.Mutex
	m  map[string]accountState
}

// get returns the cached state of id if it is still fresh at now.
func (c *accountStates) get(id string, now time.Time) (accountState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[id]
	if !ok || !now.Before(st.until) {
		return accountState{}, false
	}
	return st, true
}

// put caches st for id, dropping the whole map when it is full.
func (c *accountStates) put(id string, st accountState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxAccountStates {
		c.m = make(map[string]accountState)
	}
	c.m[id] = st
}

// forget drops id, so this instance sees a change it made on the next request.
func (c *accountStates) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// accountState returns the state of the account id, from the cache or the store. An account
// that no longer exists cannot hold a valid session.
func (s *Auth) accountState(ctx context.Context, id string) (accountState, error) {
	now := s.clock()
	if st, ok := s.states.get(id, now); ok {
		return st, nil
	}
	u, err := s.store.UserByID(ctx, id)
	if models.IsCode(err, models.ENotFound) {
		return accountState{}, errSessionEnded()
	} else if err != nil {
		return accountState{}, err
	}
	st := accountState{disabled: u.Disabled, generation: u.TokenGeneration, twoFactor: u.TwoFactor(), until: now.Add(accountStateTTL)}
	s.states.put(id, st)
	return st, nil
}
