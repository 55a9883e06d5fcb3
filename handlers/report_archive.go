package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// The archive of the periodic reports made on schedule (app.Reports): listed for the IOC, and
// downloaded as they were made, in the formats of the live report.

type archivedReportBody struct {
	ID          string `json:"id"`
	Period      string `json:"period" jsonschema:"example=2026-11" jsonschema_description:"the month"`
	By          string `json:"by" jsonschema:"enum=unit,enum=area"`
	GeneratedAt string `json:"generated_at" jsonschema:"format=date-time"`
}

// archivedReportList is GET /v1/reports/archive, newest first.
type archivedReportList struct {
	Reports []archivedReportBody `json:"reports"`
}

func (s *jsonAPI) reportArchive(c *fiber.Ctx) error {
	rs, err := s.svc.Reports.Archive(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]archivedReportBody, 0, len(rs))
	for _, r := range rs {
		out = append(out, archivedReportView(r))
	}
	return c.JSON(archivedReportList{Reports: out})
}

func archivedReportView(r models.ArchivedReport) archivedReportBody {
	return archivedReportBody{ID: r.ID, Period: r.Period, By: string(r.By), GeneratedAt: formatTime(r.GeneratedAt)}
}

func (s *jsonAPI) archivedReport(c *fiber.Ctx) error { return s.sendArchivedReport(c) }

// consoleArchivedReport is the same download for the console's dashboard (cookie session).
func (s *consoleUI) consoleArchivedReport(c *fiber.Ctx) error { return s.sendArchivedReport(c) }

func (s *Server) sendArchivedReport(c *fiber.Ctx) error {
	format, err := reportFormat(c)
	if err != nil {
		return err
	}
	r, err := s.svc.Reports.Archived(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return sendReport(c, r, format)
}

// addReportArchivePaths documents the archive.
func addReportArchivePaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	key := param(HeaderAPIKey, "header", false, "string", "machine key with the stats scope, instead of a bearer token")
	paths["/v1/reports/archive"] = map[string]any{"get": op("The periodic reports made on schedule — last month's, by unit and by ward, on the first working day of each month from 07:00 Vietnam time — newest first (at most 48)",
		[]string{"statistics"}, true, nil, []any{key},
		map[string]any{"200": resp("the archive", answerSchema(archivedReportList{}))}, "401", "403")}
	file := map[string]any{"type": "string", "format": "binary"}
	paths["/v1/reports/archive/{id}"] = map[string]any{"get": op("One archived report, with the figures as they were when it was made, as XLSX or CSV like /v1/reports/periodic",
		[]string{"statistics"}, true, nil, []any{param("id", "path", true, "string", "e.g. 2026-11-unit"),
			param("format", "query", false, "string", "xlsx (default) or csv"), key},
		map[string]any{"200": map[string]any{"description": "the report, as an attachment",
			"content": map[string]any{contentTypeXLSX: map[string]any{"schema": file}, "text/csv": map[string]any{"schema": file}}}},
		"400", "401", "403", "404")}
}
