package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

const collNotifications = "notifications"

// notificationIndexes serve an inbox page (unread first — read is false then true — each group
// newest first) and its unread count.
func notificationIndexes() []indexSpec {
	return []indexSpec{
		{collNotifications, "user_read_created", bson.D{{Key: "user_id", Value: 1}, {Key: "read", Value: 1},
			{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, false},
	}
}

// notificationDoc is a stored notification; read mirrors read_at for the index's order.
type notificationDoc struct {
	ID        string     `bson:"_id"`
	UserID    string     `bson:"user_id"`
	TicketID  string     `bson:"ticket_id"`
	Code      string     `bson:"code"`
	Version   int        `bson:"version"`
	Event     string     `bson:"event"`
	Title     string     `bson:"title"`
	Body      string     `bson:"body"`
	TitleEN   string     `bson:"title_en"`
	BodyEN    string     `bson:"body_en"`
	CreatedAt time.Time  `bson:"created_at"`
	Read      bool       `bson:"read"`
	ReadAt    *time.Time `bson:"read_at,omitempty"`
}

// AddNotifications inserts the notifications whose id is absent.
func (s *Store) AddNotifications(ctx context.Context, ns []models.Notification) (int, error) {
	if len(ns) == 0 {
		return 0, nil
	}
	docs := make([]any, len(ns))
	for i, n := range ns {
		docs[i] = notificationDoc{ID: n.ID, UserID: n.UserID, TicketID: n.TicketID, Code: n.Code, Version: n.Version, Event: n.Event,
			Title: n.Title, Body: n.Body, TitleEN: n.TitleEN, BodyEN: n.BodyEN, CreatedAt: utc(n.CreatedAt)}
	}
	return s.insertMissing(ctx, collNotifications, docs, "add notifications", "notification")
}

// Notifications lists a page of an inbox in the index's order after the keyset cursor.
func (s *Store) Notifications(ctx context.Context, q models.NotificationQuery) ([]models.Notification, error) {
	filter := bson.D{{Key: "user_id", Value: q.UserID}}
	if q.UnreadOnly {
		filter = append(filter, bson.E{Key: "read", Value: false})
	}
	if c := q.After; c != nil {
		at := utc(c.CreatedAt)
		after := bson.A{
			bson.D{{Key: "read", Value: c.Read}, {Key: "created_at", Value: bson.D{{Key: "$lt", Value: at}}}},
			bson.D{{Key: "read", Value: c.Read}, {Key: "created_at", Value: at}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: c.ID}}}},
		}
		if !c.Read {
			after = append(after, bson.D{{Key: "read", Value: true}})
		}
		filter = append(filter, bson.E{Key: "$or", Value: after})
	}
	opts := options.Find().SetSort(bson.D{{Key: "read", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}})
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	cur, err := s.coll(collNotifications).Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, "notifications", "notification")
	}
	var docs []notificationDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "notifications", "notification")
	}
	out := make([]models.Notification, len(docs))
	for i, d := range docs {
		out[i] = models.Notification{ID: d.ID, UserID: d.UserID, TicketID: d.TicketID, Code: d.Code, Version: d.Version, Event: d.Event,
			Title: d.Title, Body: d.Body, TitleEN: d.TitleEN, BodyEN: d.BodyEN, CreatedAt: utc(d.CreatedAt), ReadAt: fromOptTime(d.ReadAt)}
	}
	return out, nil
}

// CountUnread counts the user's unread notifications from the index's prefix.
func (s *Store) CountUnread(ctx context.Context, userID string) (int, error) {
	n, err := s.coll(collNotifications).CountDocuments(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "read", Value: false}})
	return int(n), translate(err, "count unread", "notification")
}

// MarkNotificationsRead marks the user's unread notifications (those with ids, or all) read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID string, ids []string, at time.Time) (int, error) {
	filter := bson.D{{Key: "user_id", Value: userID}, {Key: "read", Value: false}}
	if ids != nil {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}})
	}
	res, err := s.coll(collNotifications).UpdateMany(ctx, filter,
		bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}, {Key: "read_at", Value: utc(at)}}}})
	if err != nil {
		return 0, translate(err, "mark notifications read", "notification")
	}
	return int(res.ModifiedCount), nil
}

// DeleteNotificationsOf removes the user's inbox.
func (s *Store) DeleteNotificationsOf(ctx context.Context, userID string) error {
	_, err := s.coll(collNotifications).DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return translate(err, "delete notifications", "notification")
}
