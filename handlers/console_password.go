package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// consolePasswordView is the data of the password page.
type consolePasswordView struct{ MinLength int }

// consolePasswordPage shows the form that changes the official's password. An account that must
// change its one-time password is sent here from every other page (consoleSession).
func (s *consoleUI) consolePasswordPage(c *fiber.Ctx) error {
	return s.consoleRender(c, fiber.StatusOK, "password", "password.title", nil, consolePasswordView{app.MinPasswordLength})
}

// consolePassword changes the password (app.Auth.ChangePassword: a wrong current password
// counts as a failed sign-in) and, since the change signs every session out, sends the official
// to sign in again with the new one.
func (s *consoleUI) consolePassword(c *fiber.Ctx) error {
	err := s.svc.Auth.ChangePassword(c.UserContext(), principal(c), c.FormValue("current_password"), c.FormValue("new_password"), s.clientIP(c))
	if err != nil {
		status := statusOf(models.ErrorCode(err))
		if status >= 500 {
			return err
		}
		return s.consoleRender(c, status, "password", "password.title", &consoleFlash{Kind: "error", Message: models.ErrorMessage(err)},
			consolePasswordView{app.MinPasswordLength})
	}
	s.clearSessionCookies(c)
	s.newCSRFToken(c)
	return c.Redirect(consolePrefix+"/login?changed=1", fiber.StatusSeeOther)
}
