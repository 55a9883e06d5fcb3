package handlers

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb/geojson"

	"phananh/app"
	"phananh/models"
)

// Machine callers. A route of the policy table admits a machine key when its role list contains
// keyRole(scope): the table then reads "these roles, or a key with this scope" in one place.
// keyRole values are not account roles (models.Role.Valid is false for them), so no user can
// ever hold one.
func keyRole(scope models.APIKeyScope) models.Role { return models.Role("apikey:" + string(scope)) }

// keyScope returns the scope a role list admits machine keys for ("" when none).
func keyScope(roles []models.Role) models.APIKeyScope {
	for _, r := range roles {
		if s, ok := strings.CutPrefix(string(r), "apikey:"); ok {
			return models.APIKeyScope(s)
		}
	}
	return ""
}

// HeaderAPIKey carries a machine key.
const HeaderAPIKey = "X-API-Key"

// requireUserOrKey admits either a bearer token whose role is in roles or an X-API-Key whose
// scope roles admit; the caller's principal is recorded either way. A key of another scope is
// 403, a bad key 401 — the same answers a user gets.
func (s *Server) requireUserOrKey(roles []models.Role) fiber.Handler {
	scope := keyScope(roles)
	return func(c *fiber.Ctx) error {
		key := c.Get(HeaderAPIKey)
		if key == "" {
			return s.requireUser(c) // continues the chain itself
		}
		p, err := s.svc.Auth.AuthenticateAPIKey(c.UserContext(), key)
		if err != nil {
			return err
		}
		if p.Scope != scope {
			return models.Errorf(models.EForbidden, "this API key has the %s scope; this route needs %s", p.Scope, scope)
		}
		c.Locals(localPrincipal, p)
		return c.Next()
	}
}

// requireRoleOrKey is requireRole for routes that also admit machine keys (already checked).
func (s *Server) requireRoleOrKey(roles []models.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principal(c)
		if p.Scope == "" && !slices.Contains(roles, p.Role) {
			return models.Errorf(models.EForbidden, "this route is not for the %s role", p.Role)
		}
		return c.Next()
	}
}

// statsFilter reads the common filters of the statistics routes. boundary_set names the set that
// area and the figures per area refer to (the active set when absent).
func statsFilter(c *fiber.Ctx) app.StatsFilter {
	return app.StatsFilter{
		From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to")),
		Area: c.Query("area"), Unit: c.Query("unit"), Category: c.Query("category"), Group: models.Group(c.Query("group")),
		BoundarySet: strings.TrimSpace(c.Query("boundary_set")),
		Channel:     models.Channel(strings.TrimSpace(c.Query("channel"))),
	}
}

// queryPositiveInt reads an optional positive integer query parameter.
func queryPositiveInt(c *fiber.Ctx, name string) (int, error) {
	raw := strings.TrimSpace(c.Query(name))
	if raw == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < 1 {
		return 0, models.FieldError(models.EInvalid, name, "%s must be a positive integer", name)
	}
	return v, nil
}

type statsPeriod struct {
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	TimeZone string `json:"time_zone"`
}

func periodOf(f app.StatsFilter) statsPeriod {
	return statsPeriod{From: f.From, To: f.To, TimeZone: "Asia/Ho_Chi_Minh"}
}

func (s *jsonAPI) statsSummary(c *fiber.Ctx) error {
	f := statsFilter(c)
	fig, channels, err := s.svc.Stats.SummaryByChannel(c.UserContext(), principal(c), f)
	if err != nil {
		return err
	}
	by := make([]channelCounts, len(channels))
	for i, ch := range channels {
		by[i] = channelCounts{Channel: ch.Channel, Received: ch.Counts.Received, Backlog: ch.Counts.Open,
			Resolved: ch.Counts.Resolved, Rejected: ch.Counts.Rejected, Overdue: ch.Counts.Overdue}
	}
	return c.JSON(statsSummaryBody{Period: periodOf(f), Figures: fig, ByChannel: by})
}

// statsSummaryBody is GET /v1/stats/summary.
type statsSummaryBody struct {
	Period    statsPeriod         `json:"period"`
	Figures   models.StatsFigures `json:"figures"`
	ByChannel []channelCounts     `json:"by_channel" jsonschema_description:"the same tickets by the channel they came through, every channel in a fixed order (only the one of the channel filter when given)"`
}

// channelCounts is one channel of the summary's by_channel.
type channelCounts struct {
	Channel  models.Channel `json:"channel"`
	Received int            `json:"received"`
	Backlog  int            `json:"backlog"`
	Resolved int            `json:"resolved"`
	Rejected int            `json:"rejected"`
	Overdue  int            `json:"overdue"`
}

type seriesPoint struct {
	Period string   `json:"period"`
	Value  *float64 `json:"value" jsonschema:"nullable" jsonschema_description:"null: no data in that period"`
}

func (s *jsonAPI) statsTimeseries(c *fiber.Ctx) error {
	f := statsFilter(c)
	interval, metric := c.Query("interval", app.IntervalDay), c.Query("metric", "received")
	pts, err := s.svc.Stats.Timeseries(c.UserContext(), principal(c), f, interval, metric)
	if err != nil {
		return err
	}
	out := make([]seriesPoint, len(pts))
	for i, p := range pts {
		out[i] = seriesPoint{Period: p.Period, Value: p.Value}
	}
	return c.JSON(statsSeriesBody{Period: periodOf(f), Interval: interval, Metric: metric, Points: out})
}

// statsSeriesBody is GET /v1/stats/timeseries.
type statsSeriesBody struct {
	Period   statsPeriod   `json:"period"`
	Interval string        `json:"interval" jsonschema:"enum=day,enum=week,enum=month"`
	Metric   string        `json:"metric"`
	Points   []seriesPoint `json:"points"`
}

type leagueRow struct {
	Code    string              `json:"code,omitempty" jsonschema_description:"the area's code (GET /v1/stats/areas)"`
	ID      string              `json:"id,omitempty" jsonschema_description:"the unit's id (GET /v1/stats/units)"`
	Name    string              `json:"name"`
	Ranked  bool                `json:"ranked"`
	Rank    *int                `json:"rank" jsonschema:"nullable" jsonschema_description:"1 is best; null when below min_sample"`
	Figures models.StatsFigures `json:"figures"`
}

func leagueView(rows []app.LeagueRow, byArea bool) []leagueRow {
	out := make([]leagueRow, len(rows))
	for i, r := range rows {
		out[i] = leagueRow{Name: r.Name, Ranked: r.Ranked, Figures: r.Figures}
		if byArea {
			out[i].Code = r.Key
		} else {
			out[i].ID = r.Key
		}
		if r.Ranked {
			rank := r.Rank
			out[i].Rank = &rank
		}
	}
	return out
}

func (s *jsonAPI) statsLeague(c *fiber.Ctx, byArea bool) ([]app.LeagueRow, int, app.StatsFilter, error) {
	f := statsFilter(c)
	minSample, err := queryPositiveInt(c, "min_sample")
	if err != nil {
		return nil, 0, f, err
	}
	if minSample == 0 {
		minSample = app.DefaultMinSample
	}
	var rows []app.LeagueRow
	if byArea {
		rows, err = s.svc.Stats.Areas(c.UserContext(), principal(c), f, minSample)
	} else {
		rows, err = s.svc.Stats.Units(c.UserContext(), principal(c), f, minSample)
	}
	return rows, minSample, f, err
}

func (s *jsonAPI) statsAreas(c *fiber.Ctx) error {
	rows, minSample, f, err := s.statsLeague(c, true)
	if err != nil {
		return err
	}
	set, err := s.svc.Stats.AreaSet(c.UserContext(), principal(c), f)
	if err != nil {
		return err
	}
	return c.JSON(areaLeagueBody{Period: periodOf(f), BoundarySet: set.ID(), MinSample: minSample, Areas: leagueView(rows, true)})
}

// areaLeagueBody is GET /v1/stats/areas: rows by area code.
type areaLeagueBody struct {
	Period      statsPeriod `json:"period"`
	BoundarySet string      `json:"boundary_set"`
	MinSample   int         `json:"min_sample"`
	Areas       []leagueRow `json:"areas"`
}

// unitLeagueBody is GET /v1/stats/units: rows by unit id.
type unitLeagueBody struct {
	Period    statsPeriod `json:"period"`
	MinSample int         `json:"min_sample"`
	Units     []leagueRow `json:"units"`
}

func (s *jsonAPI) statsUnits(c *fiber.Ctx) error {
	rows, minSample, f, err := s.statsLeague(c, false)
	if err != nil {
		return err
	}
	return c.JSON(unitLeagueBody{Period: periodOf(f), MinSample: minSample, Units: leagueView(rows, false)})
}

// statsAreasGeoJSON answers with a FeatureCollection of the areas of the boundary set (the
// active one, or boundary_set), each with its figures as properties, so the IOC map can colour
// wards directly.
func (s *jsonAPI) statsAreasGeoJSON(c *fiber.Ctx) error {
	rows, minSample, f, err := s.statsLeague(c, true)
	if err != nil {
		return err
	}
	byCode := map[string]app.LeagueRow{}
	for _, r := range rows {
		byCode[r.Key] = r
	}
	set, err := s.svc.Stats.AreaSet(c.UserContext(), principal(c), f)
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for _, a := range set.Areas() {
		r := byCode[a.Code]
		f := geojson.NewFeature(a.Geometry)
		f.ID = a.Code
		props := geojson.Properties{"code": a.Code, "name": a.Name, "boundary_set": set.ID(), "ranked": r.Ranked,
			"rank": nil, "min_sample": minSample}
		if r.Ranked {
			props["rank"] = r.Rank
		}
		for _, m := range models.StatsMetrics {
			v, _ := r.Figures.Metric(m)
			if v == nil {
				props[m] = nil
			} else {
				props[m] = *v
			}
		}
		f.Properties = props
		fc.Append(f)
	}
	body, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	return c.Send(body)
}

type feedChange struct {
	Position int64  `json:"position"`
	TicketID string `json:"ticket_id"`
	Code     string `json:"code"`
	Version  int    `json:"version"`
	At       string `json:"at" jsonschema:"format=date-time"`
	Action   string `json:"action"`
	From     string `json:"from,omitempty"`
	To       string `json:"to"`
	Area     string `json:"area_code"`
	Unit     string `json:"unit_id"`
	Category string `json:"category"`
}

func (s *jsonAPI) feedChanges(c *fiber.Ctx) error {
	limit, err := queryPositiveInt(c, "limit")
	if err != nil {
		return err
	}
	page, err := s.svc.Stats.Feed(c.UserContext(), principal(c), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := make([]feedChange, len(page.Changes))
	for i, e := range page.Changes {
		out[i] = feedChange{Position: e.Position, TicketID: e.TicketID, Code: e.Code, Version: e.Version, At: formatTime(e.At),
			Action: e.Action, From: string(e.From), To: string(e.To), Area: e.AreaCode, Unit: e.UnitID, Category: e.Category}
	}
	return c.JSON(feedPage{Changes: out, NextCursor: page.NextCursor, HasMore: page.HasMore})
}

// feedPage is GET /v1/feed/changes.
type feedPage struct {
	Changes    []feedChange `json:"changes"`
	NextCursor string       `json:"next_cursor"`
	HasMore    bool         `json:"has_more"`
}

// addStatsPaths documents the statistics and change-feed routes in the OpenAPI paths, with the
// document's own helpers. Every one also accepts an X-API-Key header (scope stats, or feed for
// the feed) instead of a bearer token.
func addStatsPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	filters := func(extra ...any) []any {
		return append([]any{
			param("from", "query", false, "string", "first day of filing, YYYY-MM-DD in Asia/Ho_Chi_Minh (inclusive)"),
			param("to", "query", false, "string", "last day of filing, YYYY-MM-DD (inclusive)"),
			param("boundary_set", "query", false, "string", "boundary set that area and the figures per area refer to: the active set by default, or the id of another stored set (an area code names a ward only within its set; the 2025 map reuses codes of the 2023 one for other wards). Figures neither filtered nor grouped by area count the tickets of every set. Unknown set: 400 on boundary_set"),
			param("area", "query", false, "string", "area code, in boundary_set"), param("unit", "query", false, "string", "unit id"),
			param("category", "query", false, "string", "category code"), param("group", "query", false, "string", "category group, e.g. antt"),
			param("channel", "query", false, "string", "how the tickets came: "+strings.Join(stringsOf(models.Channels), ", ")),
			param(HeaderAPIKey, "header", false, "string", "machine key with the stats scope, instead of a bearer token"),
		}, extra...)
	}
	minSample := param("min_sample", "query", false, "integer", "resolved tickets needed to be ranked (default 10)")
	errs := []string{"400", "401", "403"}
	paths["/v1/stats/summary"] = map[string]any{"get": op("IOC figures of the tickets filed in a period (received, backlog, resolved, rejected, overdue, rates, resolve-hour percentiles)",
		[]string{"statistics"}, true, nil, filters(), map[string]any{"200": resp("figures", answerSchema(statsSummaryBody{}))}, errs...)}
	paths["/v1/stats/timeseries"] = map[string]any{"get": op("One figure per day, week (from Monday) or month of filing", []string{"statistics"}, true, nil,
		filters(param("interval", "query", false, "string", "day (default), week or month"),
			param("metric", "query", false, "string", "received (default), backlog, resolved, rejected, overdue, on_time_rate, late_with_extension_rate, median_resolve_hours, p90_resolve_hours, satisfaction_rate, rating_rate, reopen_rate, on_time_e2e_rate")),
		map[string]any{"200": resp("points", answerSchema(statsSeriesBody{}))}, errs...)}
	paths["/v1/stats/areas"] = map[string]any{"get": op("League table of the areas of boundary_set (below min_sample: listed, not ranked); only tickets routed under that set count", []string{"statistics"}, true, nil,
		filters(minSample), map[string]any{"200": resp("areas", answerSchema(areaLeagueBody{}))}, errs...)}
	paths["/v1/stats/units"] = map[string]any{"get": op("League table of units (below min_sample: listed, not ranked)", []string{"statistics"}, true, nil,
		filters(minSample), map[string]any{"200": resp("units", answerSchema(unitLeagueBody{}))}, errs...)}
	paths["/v1/stats/hotspots"] = map[string]any{"get": op("Reports filed in the period per grid cell, placed by their public (rounded) location: counts only, cells with fewer than min_count reports left out; from and to required, at most 366 days", []string{"statistics"}, true, nil,
		filters(param("cell", "query", false, "integer", "cell size in metres, 250 to 5000 (default 500)")),
		map[string]any{"200": resp("hotspots", answerSchema(hotspotsBody{}))}, errs...)}
	paths["/v1/stats/areas.geojson"] = map[string]any{"get": op("Per-area figures on the area polygons of boundary_set, the active boundary set by default (GeoJSON FeatureCollection)", []string{"statistics"}, true, nil,
		filters(minSample), map[string]any{"200": map[string]any{"description": "GeoJSON FeatureCollection", "content": map[string]any{"application/geo+json": map[string]any{"schema": areasGeoJSONSchema()}}}}, errs...)}
	paths["/v1/feed/changes"] = map[string]any{"get": op("Ticket changes in commit order after an opaque cursor; poll with next_cursor", []string{"feed"}, true, nil,
		[]any{cursorParam(),
			param("limit", "query", false, "integer", "page size, default 100, at most 1000"),
			param(HeaderAPIKey, "header", false, "string", "machine key with the feed scope, instead of a bearer token")},
		map[string]any{"200": resp("page", answerSchema(feedPage{}))}, errs...)}
}

// areasGeoJSONSchema describes GET /v1/stats/areas.geojson, which paulmach/orb encodes as a
// GeoJSON FeatureCollection (RFC 7946) rather than a type of ours: each feature's properties are
// the area and its figures.
func areasGeoJSONSchema() map[string]any {
	object := func(required []string, props map[string]any) map[string]any {
		return map[string]any{"type": "object", "required": required, "properties": props, "additionalProperties": false}
	}
	str, integer, boolean := map[string]any{"type": "string"}, map[string]any{"type": "integer"}, map[string]any{"type": "boolean"}
	orNull := func(typ, desc string) map[string]any {
		return map[string]any{"type": []string{typ, "null"}, "description": desc}
	}
	featureProps := map[string]any{"code": str, "name": str, "boundary_set": str, "ranked": boolean,
		"rank": orNull("integer", "null when below min_sample"), "min_sample": integer}
	for _, m := range models.StatsMetrics {
		featureProps[m] = orNull("number", "the figure of that name (null: no data)")
	}
	return object([]string{"type", "features"}, map[string]any{"type": map[string]any{"const": "FeatureCollection"},
		"features": map[string]any{"type": "array", "items": object([]string{"type", "geometry", "properties"}, map[string]any{
			"type": map[string]any{"const": "Feature"}, "id": str, "geometry": object([]string{"type", "coordinates"}, map[string]any{"type": map[string]any{"type": "string", "enum": []string{"Polygon", "MultiPolygon"}},
				"coordinates": map[string]any{"type": "array", "description": "GeoJSON (RFC 7946) positions, [lng, lat]"}}),
			"properties": object([]string{"code", "name", "boundary_set", "ranked", "rank", "min_sample"}, featureProps)})}})
}
