package handlers

import (
	"html/template"
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
)

// The queue page's saved filters (app.Filters): links to the official's named views, and a form
// that saves the view on screen.

// consoleSavedFilter is a saved filter as a link. Href is built here from the canonical query
// (app.Filters keeps url.Values.Encode's form), so the template prints it as is.
type consoleSavedFilter struct {
	ID, Name string
	Href     template.URL
}

// savedFilters lists the caller's saved filters and the query of the view on screen (its
// filter parameters only), which the save form sends.
func (s *consoleUI) savedFilters(c *fiber.Ctx, v *consoleQueueView) error {
	fs, err := s.svc.Filters.SavedFilters(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	for _, f := range fs {
		v.Saved = append(v.Saved, consoleSavedFilter{ID: f.ID, Name: f.Name, Href: template.URL(consolePrefix + "/queue?" + f.Query)})
	}
	view := url.Values{}
	for k, val := range c.Queries() {
		if val != "" && slices.Contains(app.QueueFilterKeys, k) {
			view.Set(k, val)
		}
	}
	v.Query = view.Encode()
	return nil
}

func (s *consoleUI) consoleSaveFilter(c *fiber.Ctx) error {
	f, err := s.svc.Filters.SaveFilter(c.UserContext(), principal(c), c.FormValue("name"), c.FormValue("query"))
	if err != nil {
		return err
	}
	return c.Redirect(consolePrefix+"/queue?"+f.Query, fiber.StatusSeeOther)
}

func (s *consoleUI) consoleDeleteFilter(c *fiber.Ctx) error {
	if err := s.svc.Filters.DeleteFilter(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	return c.Redirect(consolePrefix+"/queue", fiber.StatusSeeOther)
}
