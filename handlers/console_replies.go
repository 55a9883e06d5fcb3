package handlers

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// consoleReplies is the data of the canned replies page: one unit's replies (the IOC picks the
// unit), the categories a reply may be limited to, and whether the caller may write them.
type consoleReplies struct {
	Unit         string
	Units        []consoleOption // the IOC's choice of unit
	Replies      []models.CannedReply
	Categories   []consoleOption
	Placeholders string
	CanWrite     bool
}

func (s *consoleUI) consoleReplies(c *fiber.Ctx) error {
	return s.consoleRepliesPage(c, fiber.StatusOK, s.doneFlash(c))
}

func (s *consoleUI) consoleRepliesPage(c *fiber.Ctx, status int, flash *consoleFlash) error {
	p := principal(c)
	lang := s.consoleLang(c)
	v := consoleReplies{Unit: c.Query("unit", c.FormValue("unit_id")), Categories: s.consoleCategories(lang),
		Placeholders: strings.Join(models.ReplyPlaceholders, " "),
		CanWrite:     p.Role == models.RoleLeader || p.Role == models.RoleIOCOperator || p.Role == models.RoleAdmin}
	if p.Role.NeedsUnit() {
		v.Unit = p.UnitID
	} else {
		v.Units = s.consoleUnits(lang)
	}
	if v.Unit != "" {
		rs, err := s.svc.Replies.RepliesOf(c.UserContext(), p, v.Unit)
		if err != nil {
			return err
		}
		v.Replies = rs
	}
	return s.consoleRender(c, status, "replies", "replies.title", flash, v)
}

// consoleSaveReply creates a reply, or replaces the one named by the form's id.
func (s *consoleUI) consoleSaveReply(c *fiber.Ctx) error {
	p := principal(c)
	in := app.ReplyInput{UnitID: c.FormValue("unit_id"), Category: c.FormValue("category"), Title: c.FormValue("title"), Text: c.FormValue("text")}
	var (
		r   *models.CannedReply
		err error
	)
	if id := c.FormValue("id"); id != "" {
		r, err = s.svc.Replies.UpdateReply(c.UserContext(), p, id, in)
	} else {
		r, err = s.svc.Replies.CreateReply(c.UserContext(), p, in)
	}
	if err != nil {
		return s.consoleFormError(c, err, s.consoleRepliesPage)
	}
	return c.Redirect(consolePrefix+"/replies?unit="+url.QueryEscape(r.UnitID)+"&done=reply_saved", fiber.StatusSeeOther)
}

func (s *consoleUI) consoleDeleteReply(c *fiber.Ctx) error {
	if err := s.svc.Replies.DeleteReply(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return s.consoleFormError(c, err, s.consoleRepliesPage)
	}
	return c.Redirect(consolePrefix+"/replies?unit="+url.QueryEscape(c.FormValue("unit_id"))+"&done=reply_deleted", fiber.StatusSeeOther)
}
