package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"phananh/models"
)

// PutBoundarySet stores or replaces the set info.ID with its GeoJSON, both in one statement so a
// reader never sees new metadata with old geometry.
func (s *Store) PutBoundarySet(ctx context.Context, info models.BoundarySetInfo, geojson []byte) error {
	if geojson == nil {
		geojson = []byte{}
	}
	_, err := s.exec(ctx, `INSERT INTO boundary_sets (id, name, areas, imported_at, geojson)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, areas = excluded.areas,
			imported_at = excluded.imported_at, geojson = excluded.geojson`,
		info.ID, info.Name, info.Areas, ms(info.ImportedAt), geojson)
	return translate(err, "put boundary set", "boundary set")
}

// BoundarySets lists the metadata of every stored set, sorted by id, without the geometry.
func (s *Store) BoundarySets(ctx context.Context) ([]models.BoundarySetInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, areas, imported_at FROM boundary_sets ORDER BY id`)
	if err != nil {
		return nil, translate(err, "list boundary sets", "boundary set")
	}
	defer rows.Close()
	var out []models.BoundarySetInfo
	for rows.Next() {
		var (
			b          models.BoundarySetInfo
			importedAt int64
		)
		if err := rows.Scan(&b.ID, &b.Name, &b.Areas, &importedAt); err != nil {
			return nil, translate(err, "list boundary sets", "boundary set")
		}
		b.ImportedAt = fromMs(importedAt)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "list boundary sets", "boundary set")
	}
	return out, nil
}

// BoundarySetGeoJSON returns the GeoJSON stored for id, ENotFound if there is none.
func (s *Store) BoundarySetGeoJSON(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, `SELECT geojson FROM boundary_sets WHERE id = ?`, id).Scan(&b)
	if err != nil {
		return nil, translate(err, "read boundary set", "boundary set")
	}
	return b, nil
}

// UpsertUnits creates or replaces units by id, all or nothing.
func (s *Store) UpsertUnits(ctx context.Context, units []models.Unit) error {
	if len(units) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO units (id, kind, name, name_en, boundary_set, area_code, disabled)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
				name_en = excluded.name_en, boundary_set = excluded.boundary_set, area_code = excluded.area_code,
				disabled = excluded.disabled`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, u := range units {
			if _, err := stmt.ExecContext(ctx, u.ID, string(u.Kind), u.Name, u.NameEN, u.BoundarySet, u.AreaCode, u.Disabled); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "upsert units", "unit")
}

// InsertUnits creates the units whose id is free, all or nothing, and counts them.
func (s *Store) InsertUnits(ctx context.Context, units []models.Unit) (int, error) {
	n := 0
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO units (id, kind, name, name_en, boundary_set, area_code, disabled)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, u := range units {
			res, err := stmt.ExecContext(ctx, u.ID, string(u.Kind), u.Name, u.NameEN, u.BoundarySet, u.AreaCode, u.Disabled)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, translate(err, "insert units", "unit")
}

const unitColumns = `id, kind, name, name_en, boundary_set, area_code, disabled`

// Units lists every unit sorted by id.
func (s *Store) Units(ctx context.Context) ([]models.Unit, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+unitColumns+` FROM units ORDER BY id`)
	if err != nil {
		return nil, translate(err, "list units", "unit")
	}
	defer rows.Close()
	var out []models.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, translate(err, "list units", "unit")
		}
		out = append(out, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "list units", "unit")
	}
	return out, nil
}

// UnitByID returns the unit with id, ENotFound if there is none.
func (s *Store) UnitByID(ctx context.Context, id string) (*models.Unit, error) {
	u, err := scanUnit(s.r.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM units WHERE id = ?`, id))
	if err != nil {
		return nil, translate(err, "read unit", "unit")
	}
	return u, nil
}

func scanUnit(row interface{ Scan(...any) error }) (*models.Unit, error) {
	var (
		u    models.Unit
		kind string
	)
	if err := row.Scan(&u.ID, &kind, &u.Name, &u.NameEN, &u.BoundarySet, &u.AreaCode, &u.Disabled); err != nil {
		return nil, err
	}
	u.Kind = models.UnitKind(kind)
	return &u, nil
}

// UpsertCategories creates or replaces categories by code, all or nothing. A category is kept
// as its JSON document: its SLAs and attributes are read together and never queried apart.
func (s *Store) UpsertCategories(ctx context.Context, cats []models.Category) error {
	if len(cats) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO categories (code, doc) VALUES (?, ?)
			ON CONFLICT (code) DO UPDATE SET doc = excluded.doc`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range cats {
			doc, err := json.Marshal(categoryRowOf(&cats[i]))
			if err != nil {
				return fmt.Errorf("encode category %q: %w", cats[i].Code, err)
			}
			if _, err := stmt.ExecContext(ctx, cats[i].Code, string(doc)); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "upsert categories", "category")
}

// Categories lists every category sorted by code.
func (s *Store) Categories(ctx context.Context) ([]models.Category, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT doc FROM categories ORDER BY code`)
	if err != nil {
		return nil, translate(err, "list categories", "category")
	}
	defer rows.Close()
	var out []models.Category
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, translate(err, "list categories", "category")
		}
		var r categoryRow
		if err := json.Unmarshal([]byte(doc), &r); err != nil {
			return nil, fmt.Errorf("sqlite: list categories: decode: %w", err)
		}
		out = append(out, r.category())
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "list categories", "category")
	}
	return out, nil
}

// categoryRow is the stored JSON document of a category, the store's own shape so that the
// API's JSON of models.Category can change without changing what is on disk. Its keys are those
// the documents have always had, when they were the model's JSON.
type categoryRow struct {
	Code           string         `json:"code"`
	Group          string         `json:"group"`
	Name           string         `json:"name"`
	NameEN         string         `json:"name_en"`
	Description    string         `json:"description,omitempty"`
	UnitKind       string         `json:"unit_kind"`
	CityLevel      bool           `json:"city_level,omitempty"`
	Priority       string         `json:"priority"`
	TriageSLA      slaRow         `json:"triage_sla"`
	ResolveSLA     slaRow         `json:"resolve_sla"`
	Private        bool           `json:"private_by_default"`
	ContactAllowed bool           `json:"contact_allowed"`
	Emergency      string         `json:"emergency_number,omitempty"`
	Attributes     []attributeRow `json:"attributes,omitempty"`
	Active         bool           `json:"active"`
	PolicyVersion  int            `json:"policy_version,omitempty"`

	// The cap on waiting for the resident: absent in older documents, which means the
	// defaults (models.Category.InfoWait, InfoWaitAction).
	InfoWaitDays   int    `json:"info_wait_days,omitempty"`
	InfoWaitPolicy string `json:"info_wait_policy,omitempty"`
}

// slaRow is the stored form of a deadline rule inside a category document.
type slaRow struct {
	Value int    `json:"value"`
	Unit  string `json:"unit"`
}

// attributeRow is the stored form of a category's extra question.
type attributeRow struct {
	Code        string   `json:"code"`
	Datatype    string   `json:"datatype"`
	Required    bool     `json:"required"`
	Description string   `json:"description"`
	Values      []string `json:"values,omitempty"`
}

// categoryRowOf converts c to its stored form.
func categoryRowOf(c *models.Category) *categoryRow {
	r := &categoryRow{
		Code: c.Code, Group: string(c.Group), Name: c.Name, NameEN: c.NameEN, Description: c.Description,
		UnitKind: string(c.UnitKind), CityLevel: c.CityLevel, Priority: string(c.Priority),
		TriageSLA:  slaRow{Value: c.TriageSLA.Value, Unit: string(c.TriageSLA.Unit)},
		ResolveSLA: slaRow{Value: c.ResolveSLA.Value, Unit: string(c.ResolveSLA.Unit)},
		Private:    c.Private, ContactAllowed: c.ContactAllowed, Emergency: c.Emergency, Active: c.Active,
		PolicyVersion: c.PolicyVersion,
	}
	r.InfoWaitDays, r.InfoWaitPolicy = c.InfoWaitDays, string(c.InfoWaitPolicy)
	if c.Attributes != nil {
		r.Attributes = make([]attributeRow, len(c.Attributes))
		for i, a := range c.Attributes {
			r.Attributes[i] = attributeRow{Code: a.Code, Datatype: a.Datatype, Required: a.Required,
				Description: a.Description, Values: a.Values}
		}
	}
	return r
}

// category converts a stored document back to the model.
func (r *categoryRow) category() models.Category {
	c := models.Category{
		Code: r.Code, Group: models.Group(r.Group), Name: r.Name, NameEN: r.NameEN, Description: r.Description,
		UnitKind: models.UnitKind(r.UnitKind), CityLevel: r.CityLevel, Priority: models.Priority(r.Priority),
		TriageSLA:  models.SLA{Value: r.TriageSLA.Value, Unit: models.SLAUnit(r.TriageSLA.Unit)},
		ResolveSLA: models.SLA{Value: r.ResolveSLA.Value, Unit: models.SLAUnit(r.ResolveSLA.Unit)},
		Private:    r.Private, ContactAllowed: r.ContactAllowed, Emergency: r.Emergency, Active: r.Active,
		PolicyVersion: r.PolicyVersion,
	}
	c.InfoWaitDays, c.InfoWaitPolicy = r.InfoWaitDays, models.InfoWaitPolicy(r.InfoWaitPolicy)
	if r.Attributes != nil {
		c.Attributes = make([]models.Attribute, len(r.Attributes))
		for i, a := range r.Attributes {
			c.Attributes[i] = models.Attribute{Code: a.Code, Datatype: a.Datatype, Required: a.Required,
				Description: a.Description, Values: a.Values}
		}
	}
	return c
}
