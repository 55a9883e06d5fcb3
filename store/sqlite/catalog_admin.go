package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"phananh/models"
)

// Keys of the reference_data table.
const (
	refCatalogRevision = "catalog_revision"
	refSeedVersion     = "seed_version"
)

// InsertCategories creates the categories whose code is free, all or nothing, and counts them.
func (s *Store) InsertCategories(ctx context.Context, cats []models.Category) (int, error) {
	n := 0
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO categories (code, doc) VALUES (?, ?) ON CONFLICT (code) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range cats {
			doc, err := json.Marshal(categoryRowOf(&cats[i]))
			if err != nil {
				return fmt.Errorf("encode category %q: %w", cats[i].Code, err)
			}
			res, err := stmt.ExecContext(ctx, cats[i].Code, string(doc))
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, translate(err, "insert categories", "category")
}

// PutCategoryPolicy keeps c as version c.Policy() of its code, unless that version is kept.
func (s *Store) PutCategoryPolicy(ctx context.Context, c models.Category) error {
	doc, err := json.Marshal(categoryRowOf(&c))
	if err != nil {
		return fmt.Errorf("sqlite: encode category %q: %w", c.Code, err)
	}
	_, err = s.exec(ctx, `INSERT INTO category_policies (code, version, doc) VALUES (?, ?, ?)
		ON CONFLICT (code, version) DO NOTHING`, c.Code, c.Policy(), string(doc))
	return translate(err, "put category policy", "category policy")
}

// CategoryPolicies lists the kept versions of code (every code's for ""), by code then version.
func (s *Store) CategoryPolicies(ctx context.Context, code string) ([]models.Category, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT version, doc FROM category_policies WHERE ? = '' OR code = ?
		ORDER BY code, version`, code, code)
	if err != nil {
		return nil, translate(err, "list category policies", "category policy")
	}
	defer rows.Close()
	out := []models.Category{}
	for rows.Next() {
		var (
			version int
			doc     string
			r       categoryRow
		)
		if err := rows.Scan(&version, &doc); err != nil {
			return nil, translate(err, "list category policies", "category policy")
		}
		if err := json.Unmarshal([]byte(doc), &r); err != nil {
			return nil, fmt.Errorf("sqlite: list category policies: decode: %w", err)
		}
		c := r.category()
		c.PolicyVersion = version
		out = append(out, c)
	}
	return out, translate(rows.Err(), "list category policies", "category policy")
}

// PutRoutingRule creates or replaces the override of (r.Category, r.AreaCode).
func (s *Store) PutRoutingRule(ctx context.Context, r models.RoutingRule) error {
	_, err := s.exec(ctx, `INSERT INTO routing_rules (category, area_code, unit_id) VALUES (?, ?, ?)
		ON CONFLICT (category, area_code) DO UPDATE SET unit_id = excluded.unit_id`, r.Category, r.AreaCode, r.UnitID)
	return translate(err, "put routing rule", "routing rule")
}

// DeleteRoutingRule removes the override of (category, area), ENotFound when there is none.
func (s *Store) DeleteRoutingRule(ctx context.Context, category, area string) error {
	res, err := s.exec(ctx, `DELETE FROM routing_rules WHERE category = ? AND area_code = ?`, category, area)
	if err != nil {
		return translate(err, "delete routing rule", "routing rule")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return models.Errorf(models.ENotFound, "routing rule not found")
	}
	return nil
}

// RoutingRules lists every override sorted by category, then area.
func (s *Store) RoutingRules(ctx context.Context) ([]models.RoutingRule, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT category, area_code, unit_id FROM routing_rules ORDER BY category, area_code`)
	if err != nil {
		return nil, translate(err, "list routing rules", "routing rule")
	}
	defer rows.Close()
	out := []models.RoutingRule{}
	for rows.Next() {
		var r models.RoutingRule
		if err := rows.Scan(&r.Category, &r.AreaCode, &r.UnitID); err != nil {
			return nil, translate(err, "list routing rules", "routing rule")
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "list routing rules", "routing rule")
}

// referenceValue reads a value of the reference_data table, 0 when absent.
func (s *Store) referenceValue(ctx context.Context, key string) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, `SELECT value FROM reference_data WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return v, translate(err, "read reference data", "reference data")
}

// CatalogRevision is the catalog's revision counter, 0 before the first change.
func (s *Store) CatalogRevision(ctx context.Context) (int64, error) {
	return s.referenceValue(ctx, refCatalogRevision)
}

// BumpCatalogRevision raises the catalog's revision counter and returns it.
func (s *Store) BumpCatalogRevision(ctx context.Context) (int64, error) {
	var v int64
	err := s.writeScan(ctx, []any{&v}, `INSERT INTO reference_data (key, value, updated_at) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET value = value + 1, updated_at = excluded.updated_at
		RETURNING value`, refCatalogRevision, ms(time.Now()))
	return v, translate(err, "bump catalog revision", "reference data")
}

// ReferenceDataVersion is the shipped reference data's version last merged, 0 when none.
func (s *Store) ReferenceDataVersion(ctx context.Context) (int, error) {
	v, err := s.referenceValue(ctx, refSeedVersion)
	return int(v), err
}

// SetReferenceDataVersion records the merge of the shipped reference data of version v at at.
func (s *Store) SetReferenceDataVersion(ctx context.Context, v int, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO reference_data (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, refSeedVersion, v, ms(at))
	return translate(err, "set reference data version", "reference data")
}
