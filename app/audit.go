package app

import (
	"context"
	"fmt"

	"phananh/models"
)

// AuditChainReader is the part of the store VerifyAuditChain reads.
type AuditChainReader interface {
	AuditChain(ctx context.Context, afterSeq int64, limit int) ([]models.AuditRecord, error)
	FindAudit(ctx context.Context, f models.AuditFilter) ([]models.AuditRecord, error)
	// AuditAnchor is where the chain starts once retention removed its oldest records.
	AuditAnchor(ctx context.Context) (models.AuditAnchor, error)
}

// auditVerifyBatch is how many records VerifyAuditChain reads at a time.
const auditVerifyBatch = 1000

// AuditBreak is where the audit log's hash chain breaks: the first record, in sequence order,
// that was edited (its hash no longer matches its content) or that follows a deleted one (a gap
// in the sequence, or a PrevHash that is not the hash of the record before it).
type AuditBreak struct {
	Seq     int64  // the sequence number of the first broken record
	ID      string // its id
	Problem string // what is wrong, for a person
}

// Error names the broken record.
func (b *AuditBreak) Error() string {
	return fmt.Sprintf("audit log broken at record %d (id %s): %s", b.Seq, b.ID, b.Problem)
}

// VerifyAuditChain walks the audit log in sequence order, from the anchor retention left (the
// newest record it removed; none: from the first record) and returns how many records it
// checked, or an *AuditBreak naming the first broken record: one whose Hash does not match its
// content (edited), whose Seq is not one more than the record before (records deleted before
// it) or whose PrevHash is not that record's Hash. Then it reads the whole log once more for
// records outside the chain (no sequence number: inserted behind the store's back, or by an
// instance of an earlier release after the upgrade), and names the first. Deleting the newest
// records cannot be seen from the chain alone; compare the count with one noted earlier.
func VerifyAuditChain(ctx context.Context, st AuditChainReader) (int64, error) {
	n, err := verifyChain(ctx, st)
	if err != nil {
		return n, err
	}
	return n, findUnchained(ctx, st)
}

// verifyChain walks the chain in sequence order (VerifyAuditChain).
func verifyChain(ctx context.Context, st AuditChainReader) (int64, error) {
	anchor, err := st.AuditAnchor(ctx)
	if err != nil {
		return 0, err
	}
	// Retention (RETENTION_AUDIT) removes the oldest records and keeps the newest removed one's
	// sequence number and hash as the anchor: the chain is checked from there.
	var (
		n        int64
		lastSeq  = anchor.Seq
		lastHash = anchor.Hash
	)
	for {
		recs, err := st.AuditChain(ctx, lastSeq, auditVerifyBatch)
		if err != nil {
			return n, err
		}
		for _, r := range recs {
			if b := checkAuditLink(r, lastSeq, lastHash); b != nil {
				return n, b
			}
			n, lastSeq, lastHash = n+1, r.Seq, r.Hash
		}
		if len(recs) < auditVerifyBatch {
			return n, nil
		}
	}
}

// checkAuditLink checks r against the record before it (seq 0 and "" before the first).
func checkAuditLink(r models.AuditRecord, prevSeq int64, prevHash string) *AuditBreak {
	switch {
	case r.Seq != prevSeq+1:
		return &AuditBreak{Seq: r.Seq, ID: r.ID, Problem: fmt.Sprintf("records %d to %d are missing (deleted)", prevSeq+1, r.Seq-1)}
	case r.PrevHash != prevHash:
		return &AuditBreak{Seq: r.Seq, ID: r.ID, Problem: "its previous hash is not the hash of record " + fmt.Sprint(prevSeq) + " (a record was deleted or edited)"}
	case models.AuditChainHash(r) != r.Hash:
		return &AuditBreak{Seq: r.Seq, ID: r.ID, Problem: "its hash does not match its content (edited)"}
	}
	return nil
}

// findUnchained pages through the whole log, newest first, for a record without a sequence
// number.
func findUnchained(ctx context.Context, st AuditChainReader) error {
	f := models.AuditFilter{Limit: auditVerifyBatch}
	for {
		recs, err := st.FindAudit(ctx, f)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Seq == 0 {
				return &AuditBreak{ID: r.ID, Problem: "it is outside the hash chain (no sequence number): written behind the store's back, or by an earlier release after the upgrade"}
			}
		}
		if len(recs) < auditVerifyBatch {
			return nil
		}
		last := recs[len(recs)-1]
		f.Before = &models.AuditCursor{At: last.At, ID: last.ID}
	}
}
