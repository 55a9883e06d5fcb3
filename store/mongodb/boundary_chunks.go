package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A boundary set's GeoJSON can be far larger than a document's 16 MiB (the national file is
// 163 MB), so it is stored in chunks of boundaryChunkSize under a generation id, and the set's
// document in collBoundaryGeoJSON names the generation that is current:
//
//	boundary_geojson        {_id: set, gen, chunks, length}
//	boundary_geojson_chunks {_id: "<set>/<gen>/<n>", data}
//
// A put writes the new generation's chunks first and then points the set's document at them, so
// a reader never sees a mix of two imports; the previous generation's chunks are deleted after.
// A crash midway leaves unreferenced chunks of a generation nobody names, never a broken set.
// Every chunk is read by _id, which FerretDB answers without scanning the collection.
// Releases before chunking kept the GeoJSON inline in the set's document; reading still accepts
// that shape, and the next import of the set replaces it.

const (
	collBoundaryChunks = "boundary_geojson_chunks"
	boundaryChunkSize  = 4 << 20
)

type boundaryChunkDoc struct {
	ID   string `bson:"_id"`
	Data []byte `bson:"data"`
}

func boundaryChunkID(set, gen string, n int) string { return fmt.Sprintf("%s/%s/%d", set, gen, n) }

// putBoundaryGeoJSON stores geojson as the current generation of set.
func (s *Store) putBoundaryGeoJSON(ctx context.Context, set string, geojson []byte) error {
	var old boundaryGeoJSONDoc
	hadOld := s.coll(collBoundaryGeoJSON).FindOne(ctx, bson.D{{Key: "_id", Value: set}}).Decode(&old) == nil
	gen := bson.NewObjectID().Hex()
	n := 0
	for off := 0; off < len(geojson) || n == 0; off += boundaryChunkSize {
		end := min(off+boundaryChunkSize, len(geojson))
		if _, err := s.coll(collBoundaryChunks).InsertOne(ctx, boundaryChunkDoc{ID: boundaryChunkID(set, gen, n), Data: geojson[off:end]}); err != nil {
			s.deleteBoundaryChunks(ctx, set, gen, n+1)
			return translate(err, "put boundary set geojson", "boundary set")
		}
		n++
	}
	head := boundaryGeoJSONDoc{ID: set, Gen: gen, Chunks: n, Length: int64(len(geojson))}
	if _, err := s.coll(collBoundaryGeoJSON).ReplaceOne(ctx, bson.D{{Key: "_id", Value: set}}, head, options.Replace().SetUpsert(true)); err != nil {
		s.deleteBoundaryChunks(ctx, set, gen, n)
		return translate(err, "put boundary set geojson", "boundary set")
	}
	if hadOld && old.Gen != "" {
		s.deleteBoundaryChunks(ctx, set, old.Gen, old.Chunks)
	}
	return nil
}

// deleteBoundaryChunks removes the first n chunks of a generation, best effort: a leftover chunk
// is garbage no set names.
func (s *Store) deleteBoundaryChunks(ctx context.Context, set, gen string, n int) {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = boundaryChunkID(set, gen, i)
	}
	_, _ = s.coll(collBoundaryChunks).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
}

// boundaryGeoJSON reads the current generation of set, or ENotFound.
func (s *Store) boundaryGeoJSON(ctx context.Context, set string) ([]byte, error) {
	var head boundaryGeoJSONDoc
	if err := s.coll(collBoundaryGeoJSON).FindOne(ctx, bson.D{{Key: "_id", Value: set}}).Decode(&head); err != nil {
		return nil, translate(err, "find boundary set geojson", "boundary set")
	}
	if head.Gen == "" {
		return head.GeoJSON, nil // stored inline by a release before chunking
	}
	out := make([]byte, 0, head.Length)
	for n := range head.Chunks {
		var c boundaryChunkDoc
		if err := s.coll(collBoundaryChunks).FindOne(ctx, bson.D{{Key: "_id", Value: boundaryChunkID(set, head.Gen, n)}}).Decode(&c); err != nil {
			return nil, fmt.Errorf("mongodb: boundary set %s chunk %d: %w", set, n, translate(err, "read boundary set geojson", "boundary set chunk"))
		}
		out = append(out, c.Data...)
	}
	if int64(len(out)) != head.Length {
		return nil, fmt.Errorf("mongodb: boundary set %s: read %d bytes, want %d", set, len(out), head.Length)
	}
	return out, nil
}
