package app

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"phananh/models"
)

// TopicManager changes FCM topic memberships (the Admin SDK's SubscribeToTopic and
// UnsubscribeFromTopic). Implemented by package push.
type TopicManager interface {
	// ChangeTopic adds the tokens (at most MaxTopicTokens) to topic, or removes them, and
	// returns FCM's error reason per token in order ("" for success). An error means nothing is
	// known to have changed; the whole call is retried.
	ChangeTopic(ctx context.Context, topic string, tokens []string, subscribe bool) ([]string, error)
}

// MaxTopicTokens is FCM's limit of tokens per topic-management call.
const MaxTopicTokens = 1000

// Subscribe subscribes the calling resident to the announcements of an area of the active
// boundary set: the subscription is stored, and every device of the resident is queued for the
// area's FCM topic (again when it already existed, which repairs a membership a crash lost).
// created tells whether the subscription is new.
func (s *Devices) Subscribe(ctx context.Context, p models.Principal, areaCode string) (sub *models.Subscription, created bool, err error) {
	set := s.boundarySet() // once: a switch-over may change it between two reads
	if err := residentOnly(p); err != nil {
		return nil, false, err
	}
	areaCode = strings.TrimSpace(areaCode)
	if areaCode == "" {
		return nil, false, models.FieldError(models.EInvalid, "area_code", "area_code is required")
	}
	area, ok := set.Area(areaCode)
	if !ok {
		return nil, false, models.FieldError(models.EUnprocessable, "area_code", "area %q is not in boundary set %s", areaCode, set.ID())
	}
	subs, err := s.store.SubscriptionsOf(ctx, p.UserID)
	if err != nil {
		return nil, false, err
	}
	if i := slices.IndexFunc(subs, func(x models.Subscription) bool { return x.AreaCode == areaCode }); i >= 0 {
		sub = &subs[i]
	} else {
		if len(subs) >= models.MaxSubscriptionsPerUser {
			return nil, false, models.FieldError(models.EUnprocessable, "area_code", "at most %d subscriptions per user", models.MaxSubscriptionsPerUser)
		}
		sub = &models.Subscription{UserID: p.UserID, AreaCode: area.Code, AreaName: area.Name,
			Topic: models.AreaTopic(set.ID(), area.Code), CreatedAt: s.clock()}
		if created, err = s.store.PutSubscription(ctx, sub); err != nil {
			return nil, false, err
		}
	}
	devs, err := s.store.DevicesOfUsers(ctx, []string{p.UserID})
	if err != nil {
		return nil, false, err
	}
	if err := s.store.EnqueueTopicOps(ctx, s.topicOps(tokensOf(devs), []string{sub.Topic}, true)); err != nil {
		return nil, false, err
	}
	return sub, created, nil
}

// Unsubscribe ends the caller's subscription of an area and queues every device of theirs to
// leave its topic. Unsubscribing an area one is not subscribed to succeeds (a retried request),
// and still queues the removal, which repairs a membership a crash left behind; an area neither
// subscribed nor in the boundary set is ENotFound.
func (s *Devices) Unsubscribe(ctx context.Context, p models.Principal, areaCode string) error {
	set := s.boundarySet() // once: a switch-over may change it between two reads
	if err := residentOnly(p); err != nil {
		return err
	}
	topic := ""
	sub, err := s.store.DeleteSubscription(ctx, p.UserID, areaCode)
	switch {
	case err == nil:
		topic = sub.Topic
	case !models.IsCode(err, models.ENotFound):
		return err
	default:
		if _, ok := set.Area(areaCode); !ok {
			return models.Errorf(models.ENotFound, "no subscription of area %q", areaCode)
		}
		topic = models.AreaTopic(set.ID(), areaCode)
	}
	devs, err := s.store.DevicesOfUsers(ctx, []string{p.UserID})
	if err != nil {
		return err
	}
	return s.store.EnqueueTopicOps(ctx, s.topicOps(tokensOf(devs), []string{topic}, false))
}

// Subscriptions lists the caller's subscriptions by area code.
func (s *Devices) Subscriptions(ctx context.Context, p models.Principal) ([]models.Subscription, error) {
	if err := residentOnly(p); err != nil {
		return nil, err
	}
	return s.store.SubscriptionsOf(ctx, p.UserID)
}

func residentOnly(p models.Principal) error {
	if p.UserID == "" || p.Scope != "" || p.Role != models.RoleResident {
		return models.Errorf(models.EForbidden, "only residents subscribe to ward announcements")
	}
	return nil
}

// syncDeviceTopics queues the topic changes a device registration causes: the device joins the
// topics of its (new) user — on every registration, so a membership lost anywhere is repaired
// at the next app start —, a token that moved from another user leaves that user's other
// topics, and the devices the per-user cap dropped leave the user's topics.
func (s *Devices) syncDeviceTopics(ctx context.Context, d *models.Device, prevUser string, dropped []string) error {
	subs, err := s.store.SubscriptionsOf(ctx, d.UserID)
	if err != nil {
		return err
	}
	topics := topicsOf(subs)
	ops := s.topicOps([]string{d.Token}, topics, true)
	if prevUser != "" && prevUser != d.UserID {
		old, err := s.store.SubscriptionsOf(ctx, prevUser)
		if err != nil {
			return err
		}
		leave := slices.DeleteFunc(topicsOf(old), func(t string) bool { return slices.Contains(topics, t) })
		ops = append(ops, s.topicOps([]string{d.Token}, leave, false)...)
	}
	ops = append(ops, s.topicOps(dropped, topics, false)...)
	return s.store.EnqueueTopicOps(ctx, ops)
}

// leaveTopics queues the removal of the devices from every topic of their users.
func (s *Devices) leaveTopics(ctx context.Context, devs []models.Device) error {
	byUser := map[string][]string{}
	for _, d := range devs {
		byUser[d.UserID] = append(byUser[d.UserID], d.Token)
	}
	var ops []models.TopicOp
	for user, tokens := range byUser {
		subs, err := s.store.SubscriptionsOf(ctx, user)
		if err != nil {
			return err
		}
		ops = append(ops, s.topicOps(tokens, topicsOf(subs), false)...)
	}
	return s.store.EnqueueTopicOps(ctx, ops)
}

// PruneDevices deletes the devices unused for models.DeviceMaxIdle (FCM treats their tokens as
// expired) and queues them to leave their users' topics. It needs no FCM access, so it runs
// whether or not push is configured.
func (s *Devices) PruneDevices(ctx context.Context) (int, error) {
	devs, err := s.store.PruneDevices(ctx, s.clock().Add(-models.DeviceMaxIdle))
	if err != nil || len(devs) == 0 {
		return 0, err
	}
	return len(devs), s.leaveTopics(ctx, devs)
}

// RunDevicePruning prunes devices now and then every interval until ctx ends. Every instance
// may run it: pruning is idempotent.
func (s *Devices) RunDevicePruning(ctx context.Context, interval time.Duration) {
	cycle, stopped := s.workers.started("device_pruning", interval)
	defer stopped()
	for {
		if n, err := s.PruneDevices(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("prune push devices", "error", err)
		} else if n > 0 {
			s.log.LogAttrs(ctx, slog.LevelInfo, "pruned push devices unused for 270 days", slog.Int("count", n))
		}
		cycle()
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func (s *Devices) topicOps(tokens, topics []string, subscribe bool) []models.TopicOp {
	now := s.clock()
	ops := make([]models.TopicOp, 0, len(tokens)*len(topics))
	for _, tok := range tokens {
		for _, topic := range topics {
			ops = append(ops, models.TopicOp{Token: tok, Topic: topic, Subscribe: subscribe, CreatedAt: now, NextAttemptAt: now})
		}
	}
	return ops
}

func tokensOf(devs []models.Device) []string {
	out := make([]string, len(devs))
	for i, d := range devs {
		out[i] = d.Token
	}
	return out
}

func topicsOf(subs []models.Subscription) []string {
	out := make([]string, len(subs))
	for i, x := range subs {
		out[i] = x.Topic
	}
	return out
}

// TopicCycle carries out up to MaxTopicTokens due topic-membership changes, one FCM call per
// topic and direction, and returns how many it handled. Without a TopicManager it does nothing
// (the changes wait, like messages, for an instance with FCM configured).
func (d *Dispatcher) TopicCycle(ctx context.Context) (int, error) {
	if d.topics == nil {
		return 0, nil
	}
	ops, err := d.store.ClaimTopicOps(ctx, d.holder, d.clock(), d.cfg.Lease, MaxTopicTokens)
	if err != nil || len(ops) == 0 {
		return 0, err
	}
	type key struct {
		topic     string
		subscribe bool
	}
	groups := map[key][]models.TopicOp{}
	var order []key
	for _, op := range ops {
		k := key{op.Topic, op.Subscribe}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], op)
	}
	sendCtx, cancel := context.WithTimeout(ctx, d.cfg.Lease*3/4)
	defer cancel()
	rctx := context.WithoutCancel(ctx)
	var done []models.TopicOp
	for _, k := range order {
		g := groups[k]
		reasons, err := d.topics.ChangeTopic(sendCtx, k.topic, opTokens(g), k.subscribe)
		if err == nil && len(reasons) != len(g) {
			err = errTopicAnswer
		}
		if err != nil {
			if rerr := d.store.RetryTopicOps(rctx, d.holder, g, d.clock().Add(d.backoff(g[0].Attempts)), err.Error()); rerr != nil {
				return len(ops), rerr
			}
			d.log.LogAttrs(ctx, slog.LevelWarn, "FCM topic change failed; retrying later", slog.String("topic", k.topic), slog.String("error", err.Error()))
			continue
		}
		var retry []models.TopicOp
		why := ""
		for i, r := range reasons {
			switch r {
			case "":
				done = append(done, g[i])
			case "INTERNAL", "UNAVAILABLE", "RESOURCE_EXHAUSTED", "TOO_MANY_TOPICS":
				retry, why = append(retry, g[i]), "FCM: "+r
			default: // NOT_FOUND, INVALID_ARGUMENT …: the token is dead, nothing to change
				d.log.LogAttrs(ctx, slog.LevelInfo, "FCM refused a topic change for a token", slog.String("topic", k.topic), slog.String("reason", r))
				done = append(done, g[i])
			}
		}
		if len(retry) > 0 {
			if err := d.store.RetryTopicOps(rctx, d.holder, retry, d.clock().Add(d.backoff(retry[0].Attempts)), why); err != nil {
				return len(ops), err
			}
		}
	}
	n, err := d.store.FinishTopicOps(rctx, d.holder, done)
	d.topicOps.Add(int64(n))
	return len(ops), err
}

var errTopicAnswer = errors.New("FCM answered a topic change with the wrong number of results")

func opTokens(ops []models.TopicOp) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		out[i] = op.Token
	}
	return out
}
