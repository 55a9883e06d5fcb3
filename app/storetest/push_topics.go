package storetest

// Ward subscriptions and topic-membership changes (app.SubscriptionStore), decisions pinned
// beyond the interface comments:
//   - A topic op is identified by (token, topic); its Gen is 1 when first enqueued and grows by
//     one with every later enqueue of the pair, whatever the lease.
//   - FinishTopicOps and RetryTopicOps leave an op whose Gen changed queued, unleased and due
//     at its own NextAttemptAt.

import (
	"fmt"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

func testPushTopicMessage(t *testing.T, s app.Store) {
	m := pushMsg("topic-1", 0)
	m.Token, m.UserID, m.Platform, m.Topic = "", "", "", "ward.longxuyen-2023.30280"
	_, err := s.EnqueuePush(ctx(t), []models.PushMessage{m})
	must(t, err, "EnqueuePush")
	got, err := s.PushMessageByID(ctx(t), "topic-1")
	must(t, err, "PushMessageByID")
	wantEqual(t, "topic message round trip", m, *got)
}

func subscription(user, area string) *models.Subscription {
	return &models.Subscription{UserID: user, AreaCode: area, AreaName: "Phường " + area, Topic: models.AreaTopic("set", area), CreatedAt: at(time.Minute)}
}

func testSubscriptions(t *testing.T, s app.Store) {
	for _, sub := range []*models.Subscription{subscription("u1", "30283"), subscription("u1", "30280"), subscription("u2", "30280")} {
		created, err := s.PutSubscription(ctx(t), sub)
		must(t, err, "PutSubscription")
		if !created {
			t.Errorf("PutSubscription(%s, %s) = not created", sub.UserID, sub.AreaCode)
		}
	}
	again := subscription("u1", "30280")
	again.CreatedAt = at(time.Hour)
	created, err := s.PutSubscription(ctx(t), again)
	must(t, err, "PutSubscription again")
	if created {
		t.Errorf("PutSubscription of an existing subscription = created")
	}
	got, err := s.SubscriptionsOf(ctx(t), "u1")
	must(t, err, "SubscriptionsOf")
	wantEqual(t, "u1's subscriptions", []models.Subscription{*subscription("u1", "30280"), *subscription("u1", "30283")}, got)

	del, err := s.DeleteSubscription(ctx(t), "u1", "30280")
	must(t, err, "DeleteSubscription")
	wantEqual(t, "deleted", subscription("u1", "30280"), del)
	_, err = s.DeleteSubscription(ctx(t), "u1", "30280")
	wantCode(t, err, models.ENotFound, "DeleteSubscription again")
	got, err = s.SubscriptionsOf(ctx(t), "u2")
	must(t, err, "SubscriptionsOf u2")
	wantEqual(t, "u2's subscriptions", []models.Subscription{*subscription("u2", "30280")}, got)
	got, err = s.SubscriptionsOf(ctx(t), "nobody")
	must(t, err, "SubscriptionsOf nobody")
	wantEqual(t, "nobody's subscriptions", []models.Subscription(nil), got)
}

func topicOp(token, topic string, subscribe bool, next time.Duration) models.TopicOp {
	return models.TopicOp{Token: token, Topic: topic, Subscribe: subscribe, CreatedAt: at(0), NextAttemptAt: at(next)}
}

func testTopicOps(t *testing.T, s app.Store) {
	must(t, s.EnqueueTopicOps(ctx(t), []models.TopicOp{
		topicOp("tok-a", "ward.x", true, 0), topicOp("tok-b", "ward.x", true, 0), topicOp("tok-a", "ward.y", true, time.Hour),
	}), "EnqueueTopicOps")
	claimed, err := s.ClaimTopicOps(ctx(t), "h1", at(time.Second), time.Minute, 10)
	must(t, err, "ClaimTopicOps")
	want := []models.TopicOp{topicOp("tok-a", "ward.x", true, 0), topicOp("tok-b", "ward.x", true, 0)}
	for i := range want {
		want[i].Gen, want[i].LeaseHolder, want[i].LeaseUntil = 1, "h1", at(time.Second+time.Minute)
	}
	wantEqual(t, "claimed", want, claimed)
	again, err := s.ClaimTopicOps(ctx(t), "h2", at(2*time.Second), time.Minute, 10)
	must(t, err, "ClaimTopicOps h2")
	if len(again) != 0 {
		t.Errorf("h2 claimed leased or future ops: %v", again)
	}

	// The user unsubscribes tok-b while h1 is still adding it: the newer wish survives h1's
	// finish, unleased and due.
	must(t, s.EnqueueTopicOps(ctx(t), []models.TopicOp{topicOp("tok-b", "ward.x", false, 3*time.Second)}), "EnqueueTopicOps newer")
	n, err := s.FinishTopicOps(ctx(t), "h1", claimed)
	must(t, err, "FinishTopicOps")
	if n != 1 {
		t.Errorf("FinishTopicOps = %d, want 1 (tok-a)", n)
	}
	ops, err := s.TopicOps(ctx(t))
	must(t, err, "TopicOps")
	newer := topicOp("tok-b", "ward.x", false, 3*time.Second)
	newer.Gen = 2
	future := topicOp("tok-a", "ward.y", true, time.Hour)
	future.Gen = 1
	wantEqual(t, "pending after finish", []models.TopicOp{newer, future}, ops)

	// A retry by a non-holder changes nothing; by the holder it counts the attempt.
	claimed, err = s.ClaimTopicOps(ctx(t), "h2", at(3*time.Second), time.Minute, 10)
	must(t, err, "ClaimTopicOps newer")
	if len(claimed) != 1 || claimed[0].Token != "tok-b" || claimed[0].Gen != 2 {
		t.Fatalf("claimed %v, want tok-b gen 2", claimed)
	}
	must(t, s.RetryTopicOps(ctx(t), "other", claimed, at(time.Hour), "x"), "RetryTopicOps by a non-holder")
	must(t, s.RetryTopicOps(ctx(t), "h2", claimed, at(10*time.Second), "FCM: INTERNAL"), "RetryTopicOps")
	ops, err = s.TopicOps(ctx(t))
	must(t, err, "TopicOps")
	newer.Attempts, newer.NextAttemptAt, newer.LastError = 1, at(10*time.Second), "FCM: INTERNAL"
	wantEqual(t, "pending after retry", []models.TopicOp{newer, future}, ops)
	// Enqueueing the pair again resets the attempts.
	must(t, s.EnqueueTopicOps(ctx(t), []models.TopicOp{topicOp("tok-b", "ward.x", true, 4*time.Second)}), "EnqueueTopicOps reset")
	ops, err = s.TopicOps(ctx(t))
	must(t, err, "TopicOps")
	reset := topicOp("tok-b", "ward.x", true, 4*time.Second)
	reset.Gen = 3
	wantEqual(t, "pending after a new wish", []models.TopicOp{reset, future}, ops)
}

func testTopicOpsConcurrentClaims(t *testing.T, s app.Store) {
	var ops []models.TopicOp
	for i := range 30 {
		ops = append(ops, topicOp(fmt.Sprintf("tok-%02d", i), "ward.x", true, 0))
	}
	must(t, s.EnqueueTopicOps(ctx(t), ops), "EnqueueTopicOps")
	claim := func(holder string) ([]models.TopicOp, error) {
		return s.ClaimTopicOps(ctx(t), holder, at(time.Second), time.Minute, 4)
	}
	if n := claimUntilEmpty(t, 3, claim, func(op models.TopicOp) string { return op.Token }); n != 30 {
		t.Errorf("claimed %d ops, want 30", n)
	}
}
