package sqlite

import (
	"context"
	"encoding/json"

	"phananh/models"
)

// PutSwitchOver inserts so when from is "", else replaces it while its state is from.
func (s *Store) PutSwitchOver(ctx context.Context, so *models.SwitchOver, from models.SwitchOverState) error {
	unitMap, err := json.Marshal(so.UnitMap)
	if err != nil {
		return err
	}
	result, err := json.Marshal(so.Result)
	if err != nil {
		return err
	}
	if from == "" {
		_, err := s.exec(ctx, `INSERT INTO switchovers (id, from_set, to_set, at, unit_map, in_progress, state, created_by, created_at, done_at, result)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, so.ID, so.FromSet, so.ToSet, ms(so.At), string(unitMap), so.InProgress,
			string(so.State), so.CreatedBy, ms(so.CreatedAt), ms(so.DoneAt), string(result))
		return translate(err, "create switch-over", "switch-over")
	}
	res, err := s.exec(ctx, `UPDATE switchovers SET state = ?, done_at = ?, result = ? WHERE id = ? AND state = ?`,
		string(so.State), ms(so.DoneAt), string(result), so.ID, string(from))
	if err != nil {
		return translate(err, "update switch-over", "switch-over")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return models.Errorf(models.EConflict, "switch-over %s is no longer %s", so.ID, from)
	}
	return nil
}

// SwitchOvers lists every switch-over by instant, then id.
func (s *Store) SwitchOvers(ctx context.Context) ([]models.SwitchOver, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, from_set, to_set, at, unit_map, in_progress, state, created_by, created_at, done_at, result
		FROM switchovers ORDER BY at, id`)
	if err != nil {
		return nil, translate(err, "list switch-overs", "switch-over")
	}
	defer rows.Close()
	var out []models.SwitchOver
	for rows.Next() {
		var (
			so                     models.SwitchOver
			at, createdAt, doneAt  int64
			unitMap, result, state string
		)
		if err := rows.Scan(&so.ID, &so.FromSet, &so.ToSet, &at, &unitMap, &so.InProgress, &state, &so.CreatedBy, &createdAt, &doneAt, &result); err != nil {
			return nil, translate(err, "list switch-overs", "switch-over")
		}
		if err := json.Unmarshal([]byte(unitMap), &so.UnitMap); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(result), &so.Result); err != nil {
			return nil, err
		}
		so.State, so.At, so.CreatedAt, so.DoneAt = models.SwitchOverState(state), fromMs(at), fromMs(createdAt), fromMs(doneAt)
		out = append(out, so)
	}
	return out, translate(rows.Err(), "list switch-overs", "switch-over")
}
