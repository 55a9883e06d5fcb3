package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// collReplies holds the units' canned replies, one document per reply.
const collReplies = "canned_replies"

// replyIndexes serve a unit's list of replies by title.
func replyIndexes() []indexSpec {
	return []indexSpec{
		{collReplies, "unit_title", bson.D{{Key: "unit_id", Value: 1}, {Key: "title", Value: 1}, {Key: "_id", Value: 1}}, false},
	}
}

type replyDoc struct {
	ID        string    `bson:"_id"`
	UnitID    string    `bson:"unit_id"`
	Category  string    `bson:"category"`
	Title     string    `bson:"title"`
	Text      string    `bson:"text"`
	UpdatedBy string    `bson:"updated_by"`
	UpdatedAt time.Time `bson:"updated_at"`
}

func (d replyDoc) reply() models.CannedReply {
	return models.CannedReply{ID: d.ID, UnitID: d.UnitID, Category: d.Category, Title: d.Title, Text: d.Text,
		UpdatedBy: d.UpdatedBy, UpdatedAt: utc(d.UpdatedAt)}
}

// RepliesOf lists a unit's replies ordered by title.
func (s *Store) RepliesOf(ctx context.Context, unitID string) ([]models.CannedReply, error) {
	cur, err := s.coll(collReplies).Find(ctx, bson.D{{Key: "unit_id", Value: unitID}},
		options.Find().SetSort(bson.D{{Key: "title", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "list replies", "reply")
	}
	var docs []replyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "list replies", "reply")
	}
	var out []models.CannedReply
	for _, d := range docs {
		out = append(out, d.reply())
	}
	return out, nil
}

// ReplyByID returns one reply; ENotFound when there is none.
func (s *Store) ReplyByID(ctx context.Context, id string) (*models.CannedReply, error) {
	var d replyDoc
	if err := s.coll(collReplies).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate(err, "read reply", "reply")
	}
	r := d.reply()
	return &r, nil
}

// PutReply inserts r or replaces the reply with its id.
func (s *Store) PutReply(ctx context.Context, r *models.CannedReply) error {
	d := replyDoc{ID: r.ID, UnitID: r.UnitID, Category: r.Category, Title: r.Title, Text: r.Text, UpdatedBy: r.UpdatedBy,
		UpdatedAt: utc(r.UpdatedAt)}
	_, err := s.coll(collReplies).ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, d, options.Replace().SetUpsert(true))
	return translate(err, "put reply", "reply")
}

// DeleteReply removes a reply; ENotFound when there is none.
func (s *Store) DeleteReply(ctx context.Context, id string) error {
	res, err := s.coll(collReplies).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return translate(err, "delete reply", "reply")
	}
	if res.DeletedCount == 0 {
		return notFound("reply")
	}
	return nil
}
