package storetest

import (
	"fmt"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var otpTests = []storeTest{
	{"RoundTrip", testOTPRoundTrip},
	{"NotFound", testOTPNotFound},
	{"AttemptsAndReplace", testOTPAttempts},
	{"EarlierCodes", testOTPEarlier},
	{"EarlierCodesCap", testOTPEarlierCap},
	{"ConcurrentPuts", testOTPConcurrentPuts},
	{"Delete", testOTPDelete},
	{"ConcurrentAttempts", testOTPConcurrentAttempts},
}

func otp(phone, hash string, created time.Time) *models.OTPChallenge {
	return &models.OTPChallenge{Phone: phone, CodeHash: hash, CreatedAt: created, ExpiresAt: created.Add(5 * time.Minute)}
}

func testOTPRoundTrip(t *testing.T, s app.Store) {
	c := otp("+84901234567", "sha256:aaaa", at(0))
	must(t, s.PutOTP(ctx(t), c), "PutOTP")
	got, err := s.OTPByPhone(ctx(t), c.Phone)
	must(t, err, "OTPByPhone")
	wantEqual(t, "OTPByPhone", c, got)
}

func testOTPNotFound(t *testing.T, s app.Store) {
	must(t, s.PutOTP(ctx(t), otp("+84901234567", "h", at(0))), "PutOTP")
	_, err := s.OTPByPhone(ctx(t), "+84900000000")
	wantCode(t, err, models.ENotFound, "OTPByPhone missing")
	_, err = s.AddOTPAttempt(ctx(t), "+84900000000")
	wantCode(t, err, models.ENotFound, "AddOTPAttempt missing")
}

func testOTPAttempts(t *testing.T, s app.Store) {
	phone, other := "+84901234567", "+84907654321"
	must(t, s.PutOTP(ctx(t), otp(phone, "h1", at(0))), "PutOTP")
	must(t, s.PutOTP(ctx(t), otp(phone, "h1b", at(2*time.Minute))), "PutOTP second code")
	must(t, s.PutOTP(ctx(t), otp(other, "o1", at(0))), "PutOTP other")
	for want := 1; want <= 3; want++ {
		n, err := s.AddOTPAttempt(ctx(t), phone)
		must(t, err, "AddOTPAttempt")
		if n != want {
			t.Fatalf("AddOTPAttempt = %d, want %d", n, want)
		}
	}
	got, err := s.OTPByPhone(ctx(t), phone)
	must(t, err, "OTPByPhone")
	if got.Attempts != 3 {
		t.Errorf("Attempts = %d, want 3", got.Attempts)
	}

	// A new code once every code expired (h1b exactly at its expiry) replaces them all: no
	// earlier codes, attempts start over.
	repl := otp(phone, "h2", at(7*time.Minute))
	must(t, s.PutOTP(ctx(t), repl), "PutOTP replace")
	got, err = s.OTPByPhone(ctx(t), phone)
	must(t, err, "OTPByPhone after replace")
	wantEqual(t, "OTP after replace", repl, got)
	n, err := s.AddOTPAttempt(ctx(t), phone)
	must(t, err, "AddOTPAttempt after replace")
	if n != 1 {
		t.Errorf("AddOTPAttempt after replace = %d, want 1", n)
	}

	got, err = s.OTPByPhone(ctx(t), other)
	must(t, err, "OTPByPhone other")
	wantEqual(t, "other phone's OTP", otp(other, "o1", at(0)), got)
}

// testOTPEarlier: a new code keeps every code of the phone still unexpired at its creation as an
// earlier code, oldest first, with the attempts made so far; each code drops out at its own
// expiry, and once none is left the attempts start over.
func testOTPEarlier(t *testing.T, s app.Store) {
	phone := "+84901234567"
	code := func(hash string, expires time.Duration) models.OTPCode {
		return models.OTPCode{Hash: hash, ExpiresAt: at(expires)}
	}
	challenge := func(hash string, created time.Duration, attempts int, earlier ...models.OTPCode) *models.OTPChallenge {
		c := otp(phone, hash, at(created))
		c.Attempts, c.Earlier = attempts, earlier
		return c
	}
	must(t, s.PutOTP(ctx(t), otp(phone, "h1", at(0))), "PutOTP first") // expires at 5 min
	for range 2 {
		_, err := s.AddOTPAttempt(ctx(t), phone)
		must(t, err, "AddOTPAttempt")
	}
	steps := []struct {
		name string
		put  *models.OTPChallenge
		want *models.OTPChallenge
	}{
		{"second while the first is valid", otp(phone, "h2", at(time.Minute)),
			challenge("h2", time.Minute, 2, code("h1", 5*time.Minute))},
		{"third: both earlier codes stay", otp(phone, "h3", at(2*time.Minute)),
			challenge("h3", 2*time.Minute, 2, code("h1", 5*time.Minute), code("h2", 6*time.Minute))},
		{"the caller's attempts and earlier codes are ignored",
			challenge("h4", 3*time.Minute, 9, code("forged", time.Hour)),
			challenge("h4", 3*time.Minute, 2, code("h1", 5*time.Minute), code("h2", 6*time.Minute), code("h3", 7*time.Minute))},
		{"at its exact expiry the oldest code is dropped", otp(phone, "h5", at(5*time.Minute)),
			challenge("h5", 5*time.Minute, 2, code("h2", 6*time.Minute), code("h3", 7*time.Minute), code("h4", 8*time.Minute))},
		{"once every code expired the attempts start over", otp(phone, "h6", at(10*time.Minute)),
			otp(phone, "h6", at(10*time.Minute))},
	}
	for _, st := range steps {
		must(t, s.PutOTP(ctx(t), st.put), "PutOTP "+st.name)
		got, err := s.OTPByPhone(ctx(t), phone)
		must(t, err, "OTPByPhone "+st.name)
		wantEqual(t, st.name, st.want, got)
	}
}

// testOTPEarlierCap: past models.MaxOTPCodes unexpired codes the oldest are dropped, the
// attempts are kept.
func testOTPEarlierCap(t *testing.T, s app.Store) {
	phone := "+84901234567"
	const puts = models.MaxOTPCodes + 3
	for i := range puts {
		must(t, s.PutOTP(ctx(t), otp(phone, fmt.Sprintf("h%d", i), at(time.Duration(i)*time.Second))), fmt.Sprintf("PutOTP #%d", i))
		if i == 0 {
			_, err := s.AddOTPAttempt(ctx(t), phone)
			must(t, err, "AddOTPAttempt")
		}
	}
	want := otp(phone, fmt.Sprintf("h%d", puts-1), at((puts-1)*time.Second))
	want.Attempts = 1
	for i := puts - models.MaxOTPCodes; i < puts-1; i++ {
		want.Earlier = append(want.Earlier, models.OTPCode{Hash: fmt.Sprintf("h%d", i), ExpiresAt: at(time.Duration(i)*time.Second + 5*time.Minute)})
	}
	got, err := s.OTPByPhone(ctx(t), phone)
	must(t, err, "OTPByPhone")
	wantEqual(t, fmt.Sprintf("after %d codes", puts), want, got)
}

// testOTPConcurrentPuts: of models.MaxOTPCodes codes stored at once for a phone, one is pending
// and every other one is kept as an earlier code, whatever the interleaving.
func testOTPConcurrentPuts(t *testing.T, s app.Store) {
	const n = models.MaxOTPCodes
	phone := "+84901234567"
	errs := make([]error, n)
	concurrently(n, func(i int) { errs[i] = s.PutOTP(ctx(t), otp(phone, fmt.Sprintf("h%d", i), at(0))) })
	for i, err := range errs {
		must(t, err, fmt.Sprintf("PutOTP #%d", i))
	}
	got, err := s.OTPByPhone(ctx(t), phone)
	must(t, err, "OTPByPhone")
	seen := map[string]bool{}
	for _, k := range got.Codes() {
		seen[k.Hash] = true
	}
	if len(got.Earlier) != n-1 || len(seen) != n || got.Attempts != 0 {
		t.Errorf("after %d concurrent puts: %+v, want %d different codes and no attempts", n, got, n)
	}
}

func testOTPDelete(t *testing.T, s app.Store) {
	phone, other := "+84901234567", "+84907654321"
	must(t, s.PutOTP(ctx(t), otp(phone, "h1", at(0))), "PutOTP")
	must(t, s.PutOTP(ctx(t), otp(other, "o1", at(0))), "PutOTP other")
	must(t, s.DeleteOTP(ctx(t), phone), "DeleteOTP")
	_, err := s.OTPByPhone(ctx(t), phone)
	wantCode(t, err, models.ENotFound, "OTPByPhone after delete")
	must(t, s.DeleteOTP(ctx(t), phone), "DeleteOTP again (absent)")
	if _, err := s.OTPByPhone(ctx(t), other); err != nil {
		t.Errorf("OTPByPhone other after delete: %v", err)
	}
	// A deleted challenge can be created again.
	must(t, s.PutOTP(ctx(t), otp(phone, "h2", at(time.Minute))), "PutOTP after delete")
	got, err := s.OTPByPhone(ctx(t), phone)
	must(t, err, "OTPByPhone after re-put")
	wantEqual(t, "OTP after re-put", otp(phone, "h2", at(time.Minute)), got)
}

func testOTPConcurrentAttempts(t *testing.T, s app.Store) {
	const n = 20
	phone := "+84901234567"
	must(t, s.PutOTP(ctx(t), otp(phone, "h", at(0))), "PutOTP")
	counts := make([]int, n)
	errs := make([]error, n)
	concurrently(n, func(i int) { counts[i], errs[i] = s.AddOTPAttempt(ctx(t), phone) })
	for i, err := range errs {
		must(t, err, fmt.Sprintf("AddOTPAttempt #%d", i))
	}
	wantOneToN(t, counts, "concurrent AddOTPAttempt")
	got, err := s.OTPByPhone(ctx(t), phone)
	must(t, err, "OTPByPhone")
	if got.Attempts != n {
		t.Errorf("Attempts = %d after %d concurrent attempts", got.Attempts, n)
	}
}

var counterTests = []storeTest{
	{"Sequential", testCounterSequential},
	{"Concurrent", testCounterConcurrent},
	{"AddBytes", testCounterAdd},
	{"AddConcurrent", testCounterAddConcurrent},
}

// testCounterAdd: AddToCounter shares HitCounter's counters, reads with 0, gives back with a
// negative n, and holds 64-bit values.
func testCounterAdd(t *testing.T, s app.Store) {
	w1 := at(0).Truncate(24 * time.Hour)
	w2 := w1.Add(24 * time.Hour)
	steps := []struct {
		key    string
		window time.Time
		n      int64
		want   int64
	}{
		{"bytes:u1", w1, 0, 0}, // reading an absent counter
		{"bytes:u1", w1, 50 << 20, 50 << 20},
		{"bytes:u1", w1, 3 << 30, 3<<30 + 50<<20},
		{"bytes:u1", w1, -(50 << 20), 3 << 30}, // given back
		{"bytes:u1", w1, 0, 3 << 30},
		{"bytes:u2", w1, 7, 7},
		{"bytes:u1", w2, 1, 1}, // a new window starts over
	}
	for i, st := range steps {
		got, err := s.AddToCounter(ctx(t), st.key, st.window, st.n)
		must(t, err, "AddToCounter")
		if got != st.want {
			t.Fatalf("step %d: AddToCounter(%s, %d) = %d, want %d", i, st.key, st.n, got, st.want)
		}
	}
	n, err := s.HitCounter(ctx(t), "bytes:u2", w1)
	must(t, err, "HitCounter on an added counter")
	if n != 8 {
		t.Errorf("HitCounter after AddToCounter(7) = %d, want 8", n)
	}
}

func testCounterAddConcurrent(t *testing.T, s app.Store) {
	const n = 20
	w := at(0).Truncate(time.Hour)
	errs := make([]error, n)
	concurrently(n, func(i int) { _, errs[i] = s.AddToCounter(ctx(t), "bytes:c", w, int64(i+1)) })
	for _, err := range errs {
		must(t, err, "AddToCounter")
	}
	got, err := s.AddToCounter(ctx(t), "bytes:c", w, 0)
	must(t, err, "AddToCounter read")
	if want := int64(n * (n + 1) / 2); got != want {
		t.Errorf("after %d concurrent additions the counter is %d, want %d", n, got, want)
	}
}

func testCounterSequential(t *testing.T, s app.Store) {
	w1 := at(0).Truncate(time.Minute)
	w2 := w1.Add(time.Minute)
	steps := []struct {
		key    string
		window time.Time
		want   int
	}{
		{"otp:+84901234567", w1, 1},
		{"otp:+84901234567", w1, 2},
		{"login:203.0.113.7", w1, 1}, // another key in the same window
		{"otp:+84901234567", w1, 3},
		{"login:203.0.113.7", w1, 2},
		{"otp:+84901234567", w2, 1}, // a new window starts over
		{"otp:+84901234567", w2, 2},
		{"login:203.0.113.7", w2, 1},
	}
	for i, st := range steps {
		n, err := s.HitCounter(ctx(t), st.key, st.window)
		must(t, err, "HitCounter")
		if n != st.want {
			t.Fatalf("step %d: HitCounter(%s, %s) = %d, want %d", i, st.key, st.window.Format(time.TimeOnly), n, st.want)
		}
	}
}

func testCounterConcurrent(t *testing.T, s app.Store) {
	const n = 20
	w1 := at(0).Truncate(time.Minute)
	w2 := w1.Add(time.Minute)
	// Two keys of the same window and one key of the next window, all hit at once.
	targets := []struct {
		key    string
		window time.Time
	}{{"otp:a", w1}, {"otp:b", w1}, {"otp:a", w2}}
	counts := make([][]int, len(targets))
	errs := make([][]error, len(targets))
	for k := range targets {
		counts[k], errs[k] = make([]int, n), make([]error, n)
	}
	concurrently(n*len(targets), func(i int) {
		k, j := i%len(targets), i/len(targets)
		counts[k][j], errs[k][j] = s.HitCounter(ctx(t), targets[k].key, targets[k].window)
	})
	for k, tg := range targets {
		for _, err := range errs[k] {
			must(t, err, "HitCounter "+tg.key)
		}
		wantOneToN(t, counts[k], fmt.Sprintf("concurrent HitCounter(%s, %s)", tg.key, tg.window.Format(time.TimeOnly)))
	}
	// The final count of the newest window is n: one more hit makes n+1.
	got, err := s.HitCounter(ctx(t), "otp:a", w2)
	must(t, err, "HitCounter after")
	if got != n+1 {
		t.Errorf("HitCounter after %d concurrent hits = %d, want %d", n, got, n+1)
	}
}

var refreshTests = []storeTest{
	{"UseOnce", testRefreshUse},
	{"NotFoundAndConflict", testRefreshErrors},
	{"RevokeFamily", testRefreshRevoke},
	{"RevokeUser", testRefreshRevokeUser},
	{"ConcurrentUse", testRefreshConcurrentUse},
}

func refreshToken(id, family string) *models.RefreshToken {
	return &models.RefreshToken{ID: id, FamilyID: family, UserID: "u-" + family, CreatedAt: at(0), ExpiresAt: at(30 * 24 * time.Hour)}
}

func testRefreshUse(t *testing.T, s app.Store) {
	tok := refreshToken("sha256:tok1", "fam1")
	must(t, s.CreateRefreshToken(ctx(t), tok), "CreateRefreshToken")
	first, second := at(time.Hour), at(2*time.Hour)

	got, err := s.UseRefreshToken(ctx(t), tok.ID, first)
	must(t, err, "UseRefreshToken first")
	wantEqual(t, "first use (token as it was)", tok, got)

	got, err = s.UseRefreshToken(ctx(t), tok.ID, second)
	must(t, err, "UseRefreshToken second")
	want := *tok
	want.UsedAt = first
	wantEqual(t, "second use (reuse is visible)", &want, got)
}

func testRefreshErrors(t *testing.T, s app.Store) {
	tok := refreshToken("sha256:tok1", "fam1")
	must(t, s.CreateRefreshToken(ctx(t), tok), "CreateRefreshToken")
	dup := refreshToken("sha256:tok1", "fam2")
	wantCode(t, s.CreateRefreshToken(ctx(t), dup), models.EConflict, "CreateRefreshToken duplicate id")
	_, err := s.UseRefreshToken(ctx(t), "sha256:missing", at(time.Hour))
	wantCode(t, err, models.ENotFound, "UseRefreshToken missing")
	must(t, s.RevokeRefreshFamily(ctx(t), "no-such-family", at(time.Hour)), "RevokeRefreshFamily unknown family")

	got, err := s.UseRefreshToken(ctx(t), tok.ID, at(time.Hour))
	must(t, err, "UseRefreshToken")
	wantEqual(t, "token after rejected duplicate", tok, got)
}

func testRefreshRevoke(t *testing.T, s app.Store) {
	revoked := []string{"a1", "a2", "a3"}
	kept := []string{"b1", "b2"}
	for _, id := range revoked {
		must(t, s.CreateRefreshToken(ctx(t), refreshToken(id, "famA")), "CreateRefreshToken")
	}
	for _, id := range kept {
		must(t, s.CreateRefreshToken(ctx(t), refreshToken(id, "famB")), "CreateRefreshToken")
	}
	// One token of the family was already rotated: revocation still covers it.
	usedAt := at(time.Minute)
	_, err := s.UseRefreshToken(ctx(t), "a1", usedAt)
	must(t, err, "UseRefreshToken a1")

	now := at(time.Hour)
	must(t, s.RevokeRefreshFamily(ctx(t), "famA", now), "RevokeRefreshFamily")
	for _, id := range revoked {
		got, err := s.UseRefreshToken(ctx(t), id, at(2*time.Hour))
		must(t, err, "UseRefreshToken "+id)
		want := refreshToken(id, "famA")
		want.RevokedAt = now
		if id == "a1" {
			want.UsedAt = usedAt
		}
		wantEqual(t, "revoked token "+id, want, got)
	}
	for _, id := range kept {
		got, err := s.UseRefreshToken(ctx(t), id, at(2*time.Hour))
		must(t, err, "UseRefreshToken "+id)
		wantEqual(t, "token of another family "+id, refreshToken(id, "famB"), got)
	}
}

// testRefreshRevokeUser: every family of the user is revoked, another user's tokens are not,
// and a token revoked earlier keeps its time.
func testRefreshRevokeUser(t *testing.T, s app.Store) {
	tok := func(id, family, user string) *models.RefreshToken {
		r := refreshToken(id, family)
		r.UserID = user
		return r
	}
	for _, r := range []*models.RefreshToken{tok("a1", "famA", "u1"), tok("a2", "famA", "u1"), tok("b1", "famB", "u1"), tok("c1", "famC", "u2")} {
		must(t, s.CreateRefreshToken(ctx(t), r), "CreateRefreshToken "+r.ID)
	}
	earlier, now := at(time.Minute), at(time.Hour)
	must(t, s.RevokeRefreshFamily(ctx(t), "famB", earlier), "RevokeRefreshFamily famB")
	must(t, s.RevokeUserRefreshTokens(ctx(t), "u1", now), "RevokeUserRefreshTokens")
	must(t, s.RevokeUserRefreshTokens(ctx(t), "no-such-user", now), "RevokeUserRefreshTokens unknown user")
	cases := []struct {
		id, family, user string
		revoked          time.Time
	}{{"a1", "famA", "u1", now}, {"a2", "famA", "u1", now}, {"b1", "famB", "u1", earlier}, {"c1", "famC", "u2", time.Time{}}}
	for _, c := range cases {
		got, err := s.UseRefreshToken(ctx(t), c.id, at(2*time.Hour))
		must(t, err, "UseRefreshToken "+c.id)
		want := tok(c.id, c.family, c.user)
		want.RevokedAt = c.revoked
		wantEqual(t, "token "+c.id, want, got)
	}
}

func testRefreshConcurrentUse(t *testing.T, s app.Store) {
	const n = 20
	tok := refreshToken("sha256:tok1", "fam1")
	must(t, s.CreateRefreshToken(ctx(t), tok), "CreateRefreshToken")
	got := make([]*models.RefreshToken, n)
	errs := make([]error, n)
	concurrently(n, func(i int) {
		got[i], errs[i] = s.UseRefreshToken(ctx(t), tok.ID, at(time.Duration(i+1)*time.Second))
	})
	unused := 0
	for i := range n {
		must(t, errs[i], fmt.Sprintf("UseRefreshToken #%d", i))
		if got[i].UsedAt.IsZero() {
			unused++
		}
	}
	if unused != 1 {
		t.Fatalf("%d of %d concurrent uses saw the token unused, want exactly 1", unused, n)
	}
	// Every reuse reports the same first use.
	var firstUse time.Time
	for i := range n {
		if !got[i].UsedAt.IsZero() {
			if firstUse.IsZero() {
				firstUse = got[i].UsedAt
			}
			if !got[i].UsedAt.Equal(firstUse) {
				t.Errorf("reuse #%d reports UsedAt %v, another reports %v", i, got[i].UsedAt, firstUse)
			}
		}
	}
}

var apiKeyTests = []storeTest{
	{"RoundTrip", testAPIKeyRoundTrip},
	{"Conflicts", testAPIKeyConflicts},
	{"Lifecycle", testAPIKeyLifecycle},
	{"List", testAPIKeyList},
}

func testAPIKeyRoundTrip(t *testing.T, s app.Store) {
	keys := []*models.APIKey{
		{ID: "k1", Name: "IOC An Giang", Scope: models.ScopeStats, Hash: "sha256:1111", CreatedAt: at(0)},
		{ID: "k2", Name: "Open311 client", Scope: models.ScopeOpen311, Hash: "sha256:2222", CreatedAt: at(time.Hour)},
		{ID: "k3", Name: "Export", Scope: models.ScopeExport, Hash: "sha256:3333", Prefix: "pk_AbCdE", CreatedAt: at(2 * time.Hour),
			ExpiresAt: at(48 * time.Hour), RevokedAt: at(3 * time.Hour), LastUsedAt: at(150 * time.Minute)},
	}
	for _, k := range keys {
		must(t, s.CreateAPIKey(ctx(t), k), "CreateAPIKey "+k.ID)
	}
	for _, want := range keys {
		got, err := s.APIKeyByHash(ctx(t), want.Hash)
		must(t, err, "APIKeyByHash")
		wantEqual(t, "APIKeyByHash "+want.Hash, want, got)
	}
	_, err := s.APIKeyByHash(ctx(t), "sha256:missing")
	wantCode(t, err, models.ENotFound, "APIKeyByHash missing")
}

func testAPIKeyConflicts(t *testing.T, s app.Store) {
	orig := &models.APIKey{ID: "k1", Name: "IOC", Scope: models.ScopeFeed, Hash: "sha256:1111", CreatedAt: at(0)}
	must(t, s.CreateAPIKey(ctx(t), orig), "CreateAPIKey")
	cases := []struct {
		name string
		key  *models.APIKey
	}{
		{"same id", &models.APIKey{ID: "k1", Name: "x", Scope: models.ScopeStats, Hash: "sha256:2222", CreatedAt: at(0)}},
		{"same hash", &models.APIKey{ID: "k2", Name: "x", Scope: models.ScopeStats, Hash: "sha256:1111", CreatedAt: at(0)}},
	}
	for _, tc := range cases {
		wantCode(t, s.CreateAPIKey(ctx(t), tc.key), models.EConflict, "CreateAPIKey "+tc.name)
	}
	got, err := s.APIKeyByHash(ctx(t), orig.Hash)
	must(t, err, "APIKeyByHash")
	wantEqual(t, "key after conflicts", orig, got)
	_, err = s.APIKeyByHash(ctx(t), "sha256:2222")
	wantCode(t, err, models.ENotFound, "APIKeyByHash of a rejected key")
}

// testAPIKeyLifecycle checks revocation (the first time is kept) and the last use, and that
// both are ENotFound for an unknown id without creating anything.
func testAPIKeyLifecycle(t *testing.T, s app.Store) {
	k := &models.APIKey{ID: "k1", Name: "IOC", Scope: models.ScopeExport, Hash: "sha256:1111", Prefix: "pk_12345", CreatedAt: at(0)}
	must(t, s.CreateAPIKey(ctx(t), k), "CreateAPIKey")
	must(t, s.TouchAPIKey(ctx(t), "k1", at(time.Minute)), "TouchAPIKey")
	must(t, s.TouchAPIKey(ctx(t), "k1", at(2*time.Minute)), "TouchAPIKey again")
	must(t, s.RevokeAPIKey(ctx(t), "k1", at(time.Hour)), "RevokeAPIKey")
	must(t, s.RevokeAPIKey(ctx(t), "k1", at(2*time.Hour)), "RevokeAPIKey twice")
	want := *k
	want.LastUsedAt, want.RevokedAt = at(2*time.Minute), at(time.Hour)
	got, err := s.APIKeyByHash(ctx(t), k.Hash)
	must(t, err, "APIKeyByHash")
	wantEqual(t, "key after touches and revocations", &want, got)

	wantCode(t, s.RevokeAPIKey(ctx(t), "missing", at(time.Hour)), models.ENotFound, "RevokeAPIKey missing")
	wantCode(t, s.TouchAPIKey(ctx(t), "missing", at(time.Hour)), models.ENotFound, "TouchAPIKey missing")
	all, err := s.ListAPIKeys(ctx(t))
	must(t, err, "ListAPIKeys")
	wantEqual(t, "keys after unknown ids", []models.APIKey{want}, all)
}

// testAPIKeyList checks the list is newest first, ties broken by id descending, and empty (not
// an error) without keys.
func testAPIKeyList(t *testing.T, s app.Store) {
	none, err := s.ListAPIKeys(ctx(t))
	must(t, err, "ListAPIKeys empty")
	if len(none) != 0 {
		t.Fatalf("ListAPIKeys of an empty store: %v", none)
	}
	keys := []models.APIKey{
		{ID: "a", Name: "first", Scope: models.ScopeStats, Hash: "sha256:a", CreatedAt: at(0)},
		{ID: "c", Name: "third", Scope: models.ScopeFeed, Hash: "sha256:c", CreatedAt: at(time.Hour), ExpiresAt: at(24 * time.Hour)},
		{ID: "b", Name: "second", Scope: models.ScopeOpen311, Hash: "sha256:b", CreatedAt: at(time.Hour)},
	}
	for i := range keys {
		must(t, s.CreateAPIKey(ctx(t), &keys[i]), "CreateAPIKey "+keys[i].ID)
	}
	got, err := s.ListAPIKeys(ctx(t))
	must(t, err, "ListAPIKeys")
	wantEqual(t, "ListAPIKeys", []models.APIKey{keys[1], keys[2], keys[0]}, got)
}
