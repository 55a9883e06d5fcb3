package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Catalog administration for administrators: units (create, rename, disable, enable), routing
// overrides per category and area, and categories (create, edit, deactivate) with their kept
// policy versions. Every change is audited and reaches the other instances within seconds.

func (s *jsonAPI) adminListUnits(c *fiber.Ctx) error {
	units, err := s.svc.Catalog.AdminUnits(principal(c))
	if err != nil {
		return err
	}
	return c.JSON(unitList{Units: nonNil(units)})
}

// createUnitRequest is the body of POST /v1/admin/units.
// routingRuleList is GET /v1/admin/routing-rules.
type routingRuleList struct {
	RoutingRules []models.RoutingRule `json:"routing_rules"`
}

// policyList is GET /v1/admin/categories/{code}/policies.
type policyList struct {
	Policies []models.Category `json:"policies"`
}

type createUnitRequest struct {
	ID       string `json:"id" jsonschema:"required"`
	Kind     string `json:"kind" jsonschema:"required"`
	Name     string `json:"name" jsonschema:"required"`
	NameEN   string `json:"name_en"`
	AreaCode string `json:"area_code" jsonschema_description:"an area of the active boundary set; absent: a city-level unit"`
}

func (s *jsonAPI) adminCreateUnit(c *fiber.Ctx) error {
	var req createUnitRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.svc.Catalog.CreateUnit(c.UserContext(), principal(c),
		app.NewUnit{ID: req.ID, Kind: models.UnitKind(req.Kind), Name: req.Name, NameEN: req.NameEN, AreaCode: req.AreaCode})
	if err != nil {
		return err
	}
	c.Location("/v1/admin/units/" + u.ID)
	return c.Status(fiber.StatusCreated).JSON(u)
}

// updateUnitRequest is the body of PATCH /v1/admin/units/{id}: absent fields stay.
type updateUnitRequest struct {
	Name     *string `json:"name"`
	NameEN   *string `json:"name_en"`
	Disabled *bool   `json:"disabled"`
}

func (s *jsonAPI) adminUpdateUnit(c *fiber.Ctx) error {
	var req updateUnitRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.svc.Catalog.UpdateUnit(c.UserContext(), principal(c), c.Params("id"),
		app.UnitChange{Name: req.Name, NameEN: req.NameEN, Disabled: req.Disabled})
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *jsonAPI) adminListRoutingRules(c *fiber.Ctx) error {
	rules, err := s.svc.Catalog.RoutingRules(principal(c))
	if err != nil {
		return err
	}
	return c.JSON(routingRuleList{RoutingRules: nonNil(rules)})
}

// routingRuleRequest is the body of POST /v1/admin/routing-rules.
type routingRuleRequest struct {
	Category string `json:"category" jsonschema:"required"`
	AreaCode string `json:"area_code" jsonschema:"required"`
	UnitID   string `json:"unit_id" jsonschema:"required"`
}

func (s *jsonAPI) adminPutRoutingRule(c *fiber.Ctx) error {
	var req routingRuleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r := models.RoutingRule{Category: req.Category, AreaCode: req.AreaCode, UnitID: req.UnitID}
	if err := s.svc.Catalog.PutRoutingRule(c.UserContext(), principal(c), r); err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *jsonAPI) adminDeleteRoutingRule(c *fiber.Ctx) error {
	category, area := c.Query("category"), c.Query("area_code")
	switch {
	case category == "":
		return models.FieldError(models.EInvalid, "category", "category is required")
	case area == "":
		return models.FieldError(models.EInvalid, "area_code", "area_code is required")
	}
	if err := s.svc.Catalog.DeleteRoutingRule(c.UserContext(), principal(c), category, area); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *jsonAPI) adminListCategories(c *fiber.Ctx) error {
	cats, err := s.svc.Catalog.AdminCategories(principal(c))
	if err != nil {
		return err
	}
	return c.JSON(categoryList{Categories: nonNil(cats)})
}

// categoryRequest is the body of POST /v1/admin/categories.
type categoryRequest struct {
	Code           string             `json:"code" jsonschema:"required"`
	Group          string             `json:"group" jsonschema:"required,enum=antt,enum=asxh,enum=do_thi,enum=moi_truong,enum=giao_thong,enum=khac"`
	Name           string             `json:"name" jsonschema:"required"`
	NameEN         string             `json:"name_en" jsonschema:"required"`
	Description    string             `json:"description"`
	UnitKind       string             `json:"unit_kind" jsonschema:"required"`
	CityLevel      bool               `json:"city_level"`
	Priority       string             `json:"priority" jsonschema:"enum=normal,enum=urgent"`
	TriageSLA      models.SLA         `json:"triage_sla" jsonschema:"required"`
	ResolveSLA     models.SLA         `json:"resolve_sla" jsonschema:"required"`
	Private        bool               `json:"private_by_default"`
	ContactAllowed bool               `json:"contact_allowed"`
	Emergency      string             `json:"emergency_number"`
	Attributes     []models.Attribute `json:"attributes"`

	InfoWaitDays   int    `json:"info_wait_days" jsonschema:"minimum=0,maximum=365" jsonschema_description:"how many working days a ticket may wait for the resident's answer before info_wait_policy applies; 0 or absent: 5"`
	InfoWaitPolicy string `json:"info_wait_policy" jsonschema:"enum=close,enum=return"`
}

func (s *jsonAPI) adminCreateCategory(c *fiber.Ctx) error {
	var req categoryRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cat, err := s.svc.Catalog.CreateCategory(c.UserContext(), principal(c), models.Category{
		Code: req.Code, Group: models.Group(req.Group), Name: req.Name, NameEN: req.NameEN, Description: req.Description,
		UnitKind: models.UnitKind(req.UnitKind), CityLevel: req.CityLevel, Priority: models.Priority(req.Priority),
		TriageSLA: req.TriageSLA, ResolveSLA: req.ResolveSLA, Private: req.Private, ContactAllowed: req.ContactAllowed,
		Emergency: req.Emergency, Attributes: req.Attributes,
		InfoWaitDays: req.InfoWaitDays, InfoWaitPolicy: models.InfoWaitPolicy(req.InfoWaitPolicy),
	})
	if err != nil {
		return err
	}
	c.Location("/v1/admin/categories/" + cat.Code)
	return c.Status(fiber.StatusCreated).JSON(cat)
}

// updateCategoryRequest is the body of PATCH /v1/admin/categories/{code}: absent fields stay.
type updateCategoryRequest struct {
	Name           *string             `json:"name"`
	NameEN         *string             `json:"name_en"`
	Description    *string             `json:"description"`
	Group          *models.Group       `json:"group"`
	Priority       *models.Priority    `json:"priority"`
	TriageSLA      *models.SLA         `json:"triage_sla"`
	ResolveSLA     *models.SLA         `json:"resolve_sla"`
	Private        *bool               `json:"private_by_default"`
	ContactAllowed *bool               `json:"contact_allowed"`
	Emergency      *string             `json:"emergency_number"`
	Attributes     *[]models.Attribute `json:"attributes"`
	Active         *bool               `json:"active"`

	InfoWaitDays   *int                   `json:"info_wait_days"`
	InfoWaitPolicy *models.InfoWaitPolicy `json:"info_wait_policy"`
}

func (s *jsonAPI) adminUpdateCategory(c *fiber.Ctx) error {
	var req updateCategoryRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cat, err := s.svc.Catalog.UpdateCategory(c.UserContext(), principal(c), c.Params("code"), app.CategoryChange{
		Name: req.Name, NameEN: req.NameEN, Description: req.Description, Group: req.Group, Priority: req.Priority,
		TriageSLA: req.TriageSLA, ResolveSLA: req.ResolveSLA, Private: req.Private, ContactAllowed: req.ContactAllowed,
		Emergency: req.Emergency, Attributes: req.Attributes, Active: req.Active,
		InfoWaitDays: req.InfoWaitDays, InfoWaitPolicy: req.InfoWaitPolicy,
	})
	if err != nil {
		return err
	}
	return c.JSON(cat)
}

func (s *jsonAPI) adminCategoryPolicies(c *fiber.Ctx) error {
	versions, err := s.svc.Catalog.CategoryPolicies(c.UserContext(), principal(c), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(policyList{Policies: nonNil(versions)})
}

// nonNil is list, or an empty list for nil, so an empty answer is [] rather than null.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// addCatalogAdminPaths documents the catalog administration routes.
func addCatalogAdminPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	admin := []string{"admin"}
	paths["/v1/admin/units"] = map[string]any{
		"get": op("Every unit, disabled ones included (administrators)", admin, true, nil, nil,
			map[string]any{"200": resp("units", answerSchema(unitList{}))}, "401", "403"),
		"post": op("Create a unit (administrators; audited as unit_create)", admin, true, requestSchema(createUnitRequest{}),
			nil, map[string]any{"201": resp("created", answerSchema(models.Unit{}))}, "400", "401", "403", "409", "415"),
	}
	paths["/v1/admin/units/{id}"] = map[string]any{"patch": op("Rename, disable or enable a unit; disabling is refused (409) while some active category in some area has no other unit (administrators; audited as unit_update)",
		admin, true, requestSchema(updateUnitRequest{}),
		[]any{param("id", "path", true, "string", "unit id")}, map[string]any{"200": resp("the unit", answerSchema(models.Unit{}))}, "400", "401", "403", "404", "409", "415")}
	paths["/v1/admin/routing-rules"] = map[string]any{
		"get": op("Routing overrides: category X in area Y goes to unit Z (administrators)", admin, true, nil, nil,
			map[string]any{"200": resp("rules", answerSchema(routingRuleList{}))}, "401", "403"),
		"post": op("Create or replace the override of a category in an area; the unit must be enabled (administrators; audited as routing_rule_put)",
			admin, true, requestSchema(routingRuleRequest{}), nil, map[string]any{"200": resp("the rule", answerSchema(models.RoutingRule{}))}, "400", "401", "403", "415"),
		"delete": op("Remove the override of a category in an area; refused (409) when the category would be left without a unit there (administrators; audited as routing_rule_delete)",
			admin, true, nil, []any{param("category", "query", true, "string", "category code"), param("area_code", "query", true, "string", "area code")},
			map[string]any{"204": resp("removed", nil)}, "400", "401", "403", "404", "409"),
	}
	paths["/v1/admin/categories"] = map[string]any{
		"get": op("Every category, inactive ones included, with its policy version (administrators)", admin, true, nil, nil,
			map[string]any{"200": resp("categories", answerSchema(categoryList{}))}, "401", "403"),
		"post": op("Create a category at policy version 1 (administrators; audited as category_create)", admin, true,
			requestSchema(categoryRequest{}), nil,
			map[string]any{"201": resp("created", answerSchema(models.Category{}))}, "400", "401", "403", "409", "415"),
	}
	paths["/v1/admin/categories/{code}"] = map[string]any{"patch": op("Edit or deactivate a category; a change of deadlines, priority or privacy makes a new policy version, which applies to tickets filed from then on (administrators; audited as category_update)",
		admin, true, requestSchema(updateCategoryRequest{}), []any{param("code", "path", true, "string", "category code")},
		map[string]any{"200": resp("the category", answerSchema(models.Category{}))}, "400", "401", "403", "404", "415")}
	paths["/v1/admin/categories/{code}/policies"] = map[string]any{"get": op("The kept policy versions of a category, oldest first: what a ticket's policy_version meant (administrators)",
		admin, true, nil, []any{param("code", "path", true, "string", "category code")},
		map[string]any{"200": resp("versions", answerSchema(policyList{}))}, "401", "403", "404")}
}
