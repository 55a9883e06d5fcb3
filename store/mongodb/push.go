package mongodb

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// Push collections.
const (
	collPushDevices = "push_devices"
	collPushOutbox  = "push_outbox"
	// Ward topics: subscriptions and pending topic-membership changes (push_topics.go).
	collPushSubscriptions = "push_subscriptions"
	collPushTopicOps      = "push_topic_ops"
)

// pushIndexes are the indexes of the push collections. Plain (not partial) indexes only, as
// FerretDB v1 requires; the claim query filters on state itself.
func pushIndexes() []indexSpec {
	return []indexSpec{
		{collPushDevices, "user_seen", bson.D{{Key: "user_id", Value: 1}, {Key: "last_seen_at", Value: 1}}, false},
		{collPushDevices, "seen", bson.D{{Key: "last_seen_at", Value: 1}}, false},
		{collPushOutbox, "state_due", bson.D{{Key: "state", Value: 1}, {Key: "next_attempt_at", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collPushOutbox, "lease", bson.D{{Key: "lease_holder", Value: 1}, {Key: "lease_until", Value: 1}}, false},
		{collPushSubscriptions, "user_area", bson.D{{Key: "user_id", Value: 1}, {Key: "area_code", Value: 1}}, true},
		{collPushTopicOps, "due", bson.D{{Key: "next_attempt_at", Value: 1}}, false},
	}
}

type deviceDoc struct {
	Token      string    `bson:"_id"`
	UserID     string    `bson:"user_id"`
	Platform   string    `bson:"platform"`
	Locale     string    `bson:"locale"`
	AppVersion string    `bson:"app_version"`
	CreatedAt  time.Time `bson:"created_at"`
	LastSeenAt time.Time `bson:"last_seen_at"`
}

func (d deviceDoc) model() models.Device {
	return models.Device{Token: d.Token, UserID: d.UserID, Platform: models.Platform(d.Platform), Locale: d.Locale,
		AppVersion: d.AppVersion, CreatedAt: utc(d.CreatedAt), LastSeenAt: utc(d.LastSeenAt)}
}

// UpsertDevice upserts by token with one findAndModify, which returns the previous owner and
// sets CreatedAt only on insert. It deletes nothing: the per-user cap is the app's rule
// (app.Devices.RegisterDevice).
func (s *Store) UpsertDevice(ctx context.Context, d *models.Device) (string, error) {
	var before struct {
		UserID string `bson:"user_id"`
	}
	err := s.coll(collPushDevices).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: d.Token}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "user_id", Value: d.UserID}, {Key: "platform", Value: string(d.Platform)},
				{Key: "locale", Value: d.Locale}, {Key: "app_version", Value: d.AppVersion}, {Key: "last_seen_at", Value: d.LastSeenAt.UTC()}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "created_at", Value: d.CreatedAt.UTC()}}},
		}, options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.Before)).Decode(&before)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return "", translate(err, "upsert device", "device")
	}
	return before.UserID, nil
}

// DeleteDevice removes the token (of userID when set).
func (s *Store) DeleteDevice(ctx context.Context, token, userID string) error {
	f := bson.D{{Key: "_id", Value: token}}
	if userID != "" {
		f = append(f, bson.E{Key: "user_id", Value: userID})
	}
	_, err := s.coll(collPushDevices).DeleteOne(ctx, f)
	return translate(err, "delete device", "device")
}

// DevicesOfUsers lists the users' devices by user then token.
func (s *Store) DevicesOfUsers(ctx context.Context, userIDs []string) ([]models.Device, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	cur, err := s.coll(collPushDevices).Find(ctx, bson.D{{Key: "user_id", Value: bson.D{{Key: "$in", Value: userIDs}}}},
		options.Find().SetSort(bson.D{{Key: "user_id", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "devices of users", "device")
	}
	var docs []deviceDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "devices of users", "device")
	}
	out := make([]models.Device, len(docs))
	for i, d := range docs {
		out[i] = d.model()
	}
	return out, nil
}

// PruneDevices finds the devices last seen before before and deletes them one by one, each
// only if still stale (a registration in between keeps it), returning those deleted. Pruning
// finds few devices at a time (hourly), so one round trip each is cheap.
func (s *Store) PruneDevices(ctx context.Context, before time.Time) ([]models.Device, error) {
	stale := bson.D{{Key: "last_seen_at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}}
	cur, err := s.coll(collPushDevices).Find(ctx, stale)
	if err != nil {
		return nil, translate(err, "prune devices", "device")
	}
	var docs []deviceDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "prune devices", "device")
	}
	var out []models.Device
	for _, d := range docs {
		res, err := s.coll(collPushDevices).DeleteOne(ctx, append(bson.D{{Key: "_id", Value: d.Token}}, stale...))
		if err != nil {
			return out, translate(err, "prune devices", "device")
		}
		if res.DeletedCount == 1 {
			out = append(out, d.model())
		}
	}
	return out, nil
}

// UserIDsOf lists enabled users with one of roles (of unitID when set), sorted.
func (s *Store) UserIDsOf(ctx context.Context, unitID string, roles []models.Role) ([]string, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	rs := make([]string, len(roles))
	for i, r := range roles {
		rs[i] = string(r)
	}
	f := bson.D{{Key: "role", Value: bson.D{{Key: "$in", Value: rs}}}, {Key: "disabled", Value: bson.D{{Key: "$ne", Value: true}}}}
	if unitID != "" {
		f = append(f, bson.E{Key: "unit_id", Value: unitID})
	}
	cur, err := s.coll(collUsers).Find(ctx, f, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "user ids of", "user")
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "user ids of", "user")
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out, nil
}

type pushDoc struct {
	ID            string            `bson:"_id"`
	TicketID      string            `bson:"ticket_id"`
	Version       int               `bson:"version"`
	Event         string            `bson:"event"`
	UserID        string            `bson:"user_id"`
	Token         string            `bson:"token"`
	Topic         string            `bson:"topic,omitempty"`
	Platform      string            `bson:"platform"`
	Title         string            `bson:"title"`
	Body          string            `bson:"body"`
	Data          map[string]string `bson:"data"`
	CollapseKey   string            `bson:"collapse_key"`
	Urgent        bool              `bson:"urgent"`
	TTLMs         int64             `bson:"ttl_ms"`
	State         string            `bson:"state"`
	Attempts      int               `bson:"attempts"`
	CreatedAt     time.Time         `bson:"created_at"`
	NextAttemptAt time.Time         `bson:"next_attempt_at"`
	LeaseHolder   string            `bson:"lease_holder"`
	LeaseUntil    time.Time         `bson:"lease_until"` // the Unix epoch when not leased
	LastError     string            `bson:"last_error"`
	DoneAt        *time.Time        `bson:"done_at,omitempty"`
}

func toPushDoc(m models.PushMessage) pushDoc {
	return pushDoc{ID: m.ID, TicketID: m.TicketID, Version: m.Version, Event: m.Event, UserID: m.UserID, Token: m.Token, Topic: m.Topic,
		Platform: string(m.Platform), Title: m.Title, Body: m.Body, Data: m.Data, CollapseKey: m.CollapseKey, Urgent: m.Urgent,
		TTLMs: m.TTL.Milliseconds(), State: string(models.PushQueued), CreatedAt: m.CreatedAt.UTC(),
		NextAttemptAt: m.NextAttemptAt.UTC(), LeaseUntil: epoch}
}

func (d pushDoc) model() models.PushMessage {
	m := models.PushMessage{ID: d.ID, TicketID: d.TicketID, Version: d.Version, Event: d.Event, UserID: d.UserID, Token: d.Token, Topic: d.Topic,
		Platform: models.Platform(d.Platform), Title: d.Title, Body: d.Body, Data: d.Data, CollapseKey: d.CollapseKey, Urgent: d.Urgent,
		TTL: time.Duration(d.TTLMs) * time.Millisecond, State: models.PushState(d.State), Attempts: d.Attempts,
		CreatedAt: utc(d.CreatedAt), NextAttemptAt: utc(d.NextAttemptAt), LeaseHolder: d.LeaseHolder, LastError: d.LastError,
		DoneAt: fromOptTime(d.DoneAt)}
	if d.LeaseUntil.After(epoch) {
		m.LeaseUntil = utc(d.LeaseUntil)
	}
	return m
}

// EnqueuePush inserts with one unordered insertMany and ignores duplicate-key errors: an
// existing id is an earlier enqueue of the same (ticket version, device), left as it is.
func (s *Store) EnqueuePush(ctx context.Context, msgs []models.PushMessage) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	docs := make([]any, len(msgs))
	for i, m := range msgs {
		docs[i] = toPushDoc(m)
	}
	return s.insertMissing(ctx, collPushOutbox, docs, "enqueue push", "push message")
}

// ClaimPush claims in two or three round trips, because FerretDB scans the whole collection
// per query and there is no findAndModify of many documents: (1) up to limit due, unleased,
// queued messages; (2) one UpdateMany that sets holder and the expiry only on those still
// queued and unleased, so a concurrent claimer that picked the same ids wins each document at
// most once; when it modified every one of them they are all this holder's, and otherwise (3)
// the documents that now carry this exact lease are read back.
func (s *Store) ClaimPush(ctx context.Context, holder string, now time.Time, ttl time.Duration, limit int) ([]models.PushMessage, error) {
	if limit <= 0 {
		return nil, nil
	}
	now = now.UTC().Truncate(time.Millisecond)
	due := bson.D{
		{Key: "state", Value: string(models.PushQueued)},
		{Key: "next_attempt_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "lease_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	sort := bson.D{{Key: "next_attempt_at", Value: 1}, {Key: "_id", Value: 1}}
	cur, err := s.coll(collPushOutbox).Find(ctx, due, options.Find().SetSort(sort).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate(err, "claim push", "push message")
	}
	var docs []pushDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "claim push", "push message")
	}
	if len(docs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	// Once sent, the claim must be seen through: a call cancelled meanwhile (a shutdown) may
	// still be carried out by the server, and its messages would then stay leased to nobody
	// until the lease runs out. So the claim and its read-back ignore ctx's cancellation
	// (bounded by the lease); the caller's cancelled send then reschedules what it claimed.
	if err := ctx.Err(); err != nil {
		return nil, translate(err, "claim push", "push message")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ttl)
	defer cancel()
	until := now.Add(ttl)
	res, err := s.coll(collPushOutbox).UpdateMany(ctx, append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, due...),
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease_holder", Value: holder}, {Key: "lease_until", Value: until}}}})
	if err != nil {
		return nil, translate(err, "claim push", "push message")
	}
	if res.ModifiedCount != int64(len(ids)) {
		cur, err = s.coll(collPushOutbox).Find(ctx, bson.D{
			{Key: "lease_holder", Value: holder}, {Key: "lease_until", Value: until}, {Key: "state", Value: string(models.PushQueued)},
			{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		}, options.Find().SetSort(sort))
		if err != nil {
			return nil, translate(err, "claim push", "push message")
		}
		docs = nil
		if err := cur.All(ctx, &docs); err != nil {
			return nil, translate(err, "claim push", "push message")
		}
	}
	out := make([]models.PushMessage, len(docs))
	for i, d := range docs {
		d.LeaseHolder, d.LeaseUntil = holder, until
		out[i] = d.model()
	}
	return out, nil
}

// CompletePush finalises the messages holder still leases, with one UpdateMany.
func (s *Store) CompletePush(ctx context.Context, holder string, ids []string, state models.PushState, now time.Time, reason string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res, err := s.coll(collPushOutbox).UpdateMany(ctx, bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "state", Value: string(models.PushQueued)},
		{Key: "lease_holder", Value: holder},
	}, bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: string(state)}, {Key: "done_at", Value: now.UTC()},
		{Key: "last_error", Value: reason}, {Key: "lease_holder", Value: ""}, {Key: "lease_until", Value: epoch}}}})
	if err != nil {
		return 0, translate(err, "complete push", "push message")
	}
	return int(res.ModifiedCount), nil
}

// ReschedulePush queues the message again if holder still leases it.
func (s *Store) ReschedulePush(ctx context.Context, holder, id string, next time.Time, reason string) (bool, error) {
	res, err := s.coll(collPushOutbox).UpdateOne(ctx, bson.D{
		{Key: "_id", Value: id}, {Key: "state", Value: string(models.PushQueued)}, {Key: "lease_holder", Value: holder},
	}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "next_attempt_at", Value: next.UTC()}, {Key: "last_error", Value: reason},
			{Key: "lease_holder", Value: ""}, {Key: "lease_until", Value: epoch}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
	})
	if err != nil {
		return false, translate(err, "reschedule push", "push message")
	}
	return res.MatchedCount == 1, nil
}

// PushMessageByID returns one message.
func (s *Store) PushMessageByID(ctx context.Context, id string) (*models.PushMessage, error) {
	var d pushDoc
	if err := s.coll(collPushOutbox).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate(err, "push message by id", "push message")
	}
	m := d.model()
	return &m, nil
}

// CountPush counts the messages per state: on MongoDB with one countDocuments per state, each
// a count over the state_due index's prefix, where a $group would read the whole collection —
// on FerretDB, which scans either way, with one $group.
func (s *Store) CountPush(ctx context.Context) (map[models.PushState]int, error) {
	if s.features.Native {
		out := make(map[models.PushState]int, len(models.PushStates))
		for _, st := range models.PushStates {
			n, err := s.coll(collPushOutbox).CountDocuments(ctx, bson.D{{Key: "state", Value: string(st)}})
			if err != nil {
				return nil, translate(err, "count push", "push message")
			}
			if n > 0 {
				out[st] = int(n)
			}
		}
		return out, nil
	}
	cur, err := s.coll(collPushOutbox).Aggregate(ctx, mongo.Pipeline{
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$state"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, translate(err, "count push", "push message")
	}
	var groups []struct {
		State string `bson:"_id"`
		N     int    `bson:"n"`
	}
	if err := cur.All(ctx, &groups); err != nil {
		return nil, translate(err, "count push", "push message")
	}
	out := make(map[models.PushState]int, len(groups))
	for _, g := range groups {
		out[models.PushState(g.State)] = g.N
	}
	return out, nil
}

// OldestQueuedPush finds the queued message created first; the filter on state uses the
// state_due index, and the sort covers only the queued messages.
func (s *Store) OldestQueuedPush(ctx context.Context) (time.Time, error) {
	var d struct {
		CreatedAt time.Time `bson:"created_at"`
	}
	err := s.coll(collPushOutbox).FindOne(ctx, bson.D{{Key: "state", Value: string(models.PushQueued)}},
		options.FindOne().SetSort(bson.D{{Key: "created_at", Value: 1}}).SetProjection(bson.D{{Key: "created_at", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, translate(err, "oldest queued push", "push message")
	}
	return utc(d.CreatedAt), nil
}
