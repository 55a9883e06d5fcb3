package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"phananh/models"
)

// TestPurgeFinishedPush: the retention purge deletes the push messages finished more than
// pushDoneRetention ago and keeps the recently finished and the queued ones.
func TestPurgeFinishedPush(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	long, recent := now.Add(-pushDoneRetention-time.Hour), now.Add(-pushDoneRetention+time.Hour)
	var msgs []models.PushMessage
	for _, id := range []string{"old", "recent", "queued"} {
		msgs = append(msgs, models.PushMessage{ID: id, CreatedAt: long.Add(-time.Hour), NextAttemptAt: long.Add(-time.Hour)})
	}
	if n, err := s.EnqueuePush(ctx, msgs); err != nil || n != 3 {
		t.Fatalf("EnqueuePush = %d, %v", n, err)
	}
	if got, err := s.ClaimPush(ctx, "h", long, time.Minute, 10); err != nil || len(got) != 3 {
		t.Fatalf("ClaimPush = %d messages, %v", len(got), err)
	}
	for _, c := range []struct {
		id    string
		state models.PushState
		at    time.Time
	}{{"old", models.PushSent, long}, {"recent", models.PushDead, recent}} {
		if n, err := s.CompletePush(ctx, "h", []string{c.id}, c.state, c.at, ""); err != nil || n != 1 {
			t.Fatalf("CompletePush(%s) = %d, %v", c.id, n, err)
		}
	}
	if n, err := s.PurgeExpired(ctx, now, now); err != nil || n != 1 {
		t.Fatalf("PurgeExpired = %d, %v; want the one message finished long ago", n, err)
	}
	if _, err := s.PushMessageByID(ctx, "old"); models.ErrorCode(err) != models.ENotFound {
		t.Errorf("message finished long ago: %v, want ENotFound", err)
	}
	for _, id := range []string{"recent", "queued"} {
		if _, err := s.PushMessageByID(ctx, id); err != nil {
			t.Errorf("message %s: %v, want it kept", id, err)
		}
	}
}
