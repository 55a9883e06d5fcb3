package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// notificationBody is one inbox entry in the language the client asked for.
type notificationBody struct {
	ID        string `json:"id"`
	TicketID  string `json:"ticket_id"`
	Code      string `json:"code"`
	Event     string `json:"event"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at" jsonschema:"format=date-time"`
	ReadAt    string `json:"read_at,omitempty" jsonschema:"format=date-time"`
}

type inboxResponse struct {
	Notifications []notificationBody `json:"notifications"`
	NextCursor    string             `json:"next_cursor,omitempty"`
	Unread        int                `json:"unread" jsonschema_description:"unread notifications in all"`
}

// listNotifications is GET /v1/me/notifications: the resident's inbox, unread first, in
// Vietnamese unless ?lang=en or Accept-Language prefers English.
func (s *jsonAPI) listNotifications(c *fiber.Ctx) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	unread := false
	switch c.Query("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		return models.FieldError(models.EInvalid, "unread", "unread must be true or false")
	}
	en, err := wantsEnglish(c)
	if err != nil {
		return err
	}
	page, err := s.svc.Inbox.Notifications(c.UserContext(), principal(c), unread, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := inboxResponse{Notifications: make([]notificationBody, 0, len(page.Notifications)), NextCursor: page.NextCursor, Unread: page.Unread}
	for _, n := range page.Notifications {
		b := notificationBody{ID: n.ID, TicketID: n.TicketID, Code: n.Code, Event: n.Event, Title: n.Title, Body: n.Body,
			CreatedAt: formatTime(n.CreatedAt)}
		if en {
			b.Title, b.Body = n.TitleEN, n.BodyEN
		}
		if !n.ReadAt.IsZero() {
			b.ReadAt = formatTime(n.ReadAt)
		}
		out.Notifications = append(out.Notifications, b)
	}
	return c.JSON(out)
}

// wantsEnglish reads ?lang= (vi or en), else Accept-Language; Vietnamese is the default.
func wantsEnglish(c *fiber.Ctx) (bool, error) {
	switch lang := c.Query("lang"); lang {
	case "vi":
		return false, nil
	case "en":
		return true, nil
	case "":
		return c.AcceptsLanguages("vi", "en") == "en", nil
	default:
		return false, models.FieldError(models.EInvalid, "lang", "lang must be vi or en")
	}
}

type markReadRequest struct {
	IDs []string `json:"ids" jsonschema:"maxItems=100"`
	All bool     `json:"all"`
}

// markedBody is the answer of POST /v1/me/notifications/read.
type markedBody struct {
	Marked int `json:"marked" jsonschema_description:"how many notifications changed to read"`
}

// markNotificationsRead is POST /v1/me/notifications/read {"ids":[…]} or {"all":true}.
func (s *jsonAPI) markNotificationsRead(c *fiber.Ctx) error {
	var req markReadRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	n, err := s.svc.Inbox.MarkRead(c.UserContext(), principal(c), req.IDs, req.All)
	if err != nil {
		return err
	}
	return c.JSON(markedBody{Marked: n})
}

func addInboxPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	paths["/v1/me/notifications"] = map[string]any{"get": op("The resident's notification inbox: everything a push told them, kept whether or not the push arrived; unread first, each group newest first",
		[]string{"push"}, true, nil, []any{param("unread", "query", false, "boolean", "true: unread only"),
			param("lang", "query", false, "string", "vi (default) or en; else Accept-Language"),
			cursorParam(), param("limit", "query", false, "integer", "page size, at most 100")},
		map[string]any{"200": resp("page", answerSchema(inboxResponse{}))}, "400", "401", "403")}
	paths["/v1/me/notifications/read"] = map[string]any{"post": op("Mark notifications read: the given ids, or all",
		[]string{"push"}, true, requestSchema(markReadRequest{}), nil,
		map[string]any{"200": resp("how many changed", answerSchema(markedBody{}))}, "400", "401", "403", "415")}
}
