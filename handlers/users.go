package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Accounts administration for administrators: list and search officials, create one (its
// one-time password is in the answer once), move, disable, enable, reset the password. Answers
// never carry a password hash, nor a resident's phone.

// accountBody is an account as administrators see it.
type accountBody struct {
	ID                     string      `json:"id"`
	Username               string      `json:"username,omitempty"`
	Role                   models.Role `json:"role" jsonschema_description:"resident only for an account disabled or enabled"`
	UnitID                 string      `json:"unit_id,omitempty"`
	DisplayName            string      `json:"display_name,omitempty"`
	Title                  string      `json:"title,omitempty" jsonschema_description:"the official's position, shown with the name to colleagues"`
	CreatedAt              string      `json:"created_at" jsonschema:"format=date-time"`
	Disabled               bool        `json:"disabled"`
	DisabledReason         string      `json:"disabled_reason,omitempty"`
	PasswordChangeRequired bool        `json:"password_change_required"`
	TwoFactor              bool        `json:"two_factor" jsonschema_description:"the account signs in with a second factor"`
}

func accountView(u *models.User) accountBody {
	return accountBody{ID: u.ID, Username: u.Username, Role: u.Role, UnitID: u.UnitID, DisplayName: u.DisplayName, Title: u.Title,
		CreatedAt: formatTime(u.CreatedAt), Disabled: u.Disabled, DisabledReason: u.DisabledReason,
		PasswordChangeRequired: u.PasswordChangeRequired, TwoFactor: u.TwoFactor()}
}

// usersPage is the answer of GET /v1/admin/users.
type usersPage struct {
	Users      []accountBody `json:"users"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func (s *jsonAPI) listUsers(c *fiber.Ctx) error {
	q := models.UserQuery{Q: c.Query("q"), Role: models.Role(c.Query("role")), UnitID: c.Query("unit"), After: c.Query("cursor")}
	if raw := c.Query("disabled"); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return models.FieldError(models.EInvalid, "disabled", "disabled must be true or false")
		}
		q.Disabled = &b
	}
	var err error
	if q.Limit, err = queryLimit(c); err != nil {
		return err
	}
	users, next, err := s.svc.Auth.ListOfficials(c.UserContext(), principal(c), q)
	if err != nil {
		return err
	}
	out := usersPage{Users: make([]accountBody, 0, len(users)), NextCursor: next}
	for i := range users {
		out.Users = append(out.Users, accountView(&users[i]))
	}
	return c.JSON(out)
}

// createUserRequest is the body of POST /v1/admin/users.
type createUserRequest struct {
	Username    string `json:"username" jsonschema:"required"`
	Role        string `json:"role" jsonschema:"required,enum=officer,enum=leader,enum=ioc_operator,enum=ioc_viewer,enum=admin"`
	UnitID      string `json:"unit_id" jsonschema_description:"required for officer and leader"`
	DisplayName string `json:"display_name" jsonschema:"maxLength=100"`
	Title       string `json:"title" jsonschema:"maxLength=100"`
}

// userWithPassword is an account with its one-time password, which no later answer repeats.
type userWithPassword struct {
	Password string `json:"password" jsonschema_description:"the one-time password, shown only in this answer; it must be changed at the first sign-in"`
	accountBody
}

func (s *jsonAPI) createUser(c *fiber.Ctx) error {
	var req createUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	password, u, err := s.svc.Auth.CreateOfficialAccount(c.UserContext(), principal(c),
		app.NewOfficial{Username: req.Username, Role: models.Role(req.Role), UnitID: req.UnitID, DisplayName: req.DisplayName,
			Title: req.Title})
	if err != nil {
		return err
	}
	c.Location("/v1/admin/users/" + u.ID)
	return c.Status(fiber.StatusCreated).JSON(userWithPassword{Password: password, accountBody: accountView(u)})
}

// updateUserRequest is the body of PATCH /v1/admin/users/{id}: absent fields stay.
type updateUserRequest struct {
	Role        *string `json:"role" jsonschema:"enum=officer,enum=leader,enum=ioc_operator,enum=ioc_viewer,enum=admin"`
	UnitID      *string `json:"unit_id"`
	DisplayName *string `json:"display_name" jsonschema:"maxLength=100"`
	Title       *string `json:"title" jsonschema:"maxLength=100"`
}

func (s *jsonAPI) updateUser(c *fiber.Ctx) error {
	var req updateUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ch := app.OfficialChange{UnitID: req.UnitID, DisplayName: req.DisplayName, Title: req.Title}
	if req.Role != nil {
		r := models.Role(*req.Role)
		ch.Role = &r
	}
	u, err := s.svc.Auth.UpdateOfficial(c.UserContext(), principal(c), c.Params("id"), ch)
	if err != nil {
		return err
	}
	return c.JSON(accountView(u))
}

// disableUserRequest is the body of POST /v1/admin/users/{id}/disable.
type disableUserRequest struct {
	Reason string `json:"reason" jsonschema:"required,minLength=1,maxLength=500"`
}

func (s *jsonAPI) disableUser(c *fiber.Ctx) error {
	var req disableUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.svc.Auth.SetDisabled(c.UserContext(), principal(c), c.Params("id"), true, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(accountView(u))
}

func (s *jsonAPI) enableUser(c *fiber.Ctx) error {
	u, err := s.svc.Auth.SetDisabled(c.UserContext(), principal(c), c.Params("id"), false, "")
	if err != nil {
		return err
	}
	return c.JSON(accountView(u))
}

func (s *jsonAPI) resetUserPassword(c *fiber.Ctx) error {
	password, u, err := s.svc.Auth.ResetPassword(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(userWithPassword{Password: password, accountBody: accountView(u)})
}

// addUserPaths documents the accounts administration routes.
func addUserPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	user := answerSchema(accountBody{})
	userPw := answerSchema(userWithPassword{})
	id := []any{param("id", "path", true, "string", "account id")}
	paths["/v1/admin/users"] = map[string]any{
		"get": op("Official accounts by username, never residents nor password hashes (administrators)", []string{"admin"}, true, nil,
			[]any{param("q", "query", false, "string", "substring of the username or display name"), param("role", "query", false, "string", "official role"),
				param("unit", "query", false, "string", "unit id"), param("disabled", "query", false, "boolean", "true or false"),
				cursorParam(), param("limit", "query", false, "integer", "page size, 1–200 (50)")},
			map[string]any{"200": resp("page", answerSchema(usersPage{}))}, "400", "401", "403"),
		"post": op("Create an official account with a one-time password (administrators; audited as user_create)", []string{"admin"}, true,
			requestSchema(createUserRequest{}), nil,
			map[string]any{"201": resp("created", userPw)}, "400", "401", "403", "409", "415"),
	}
	paths["/v1/admin/users/{id}"] = map[string]any{"patch": op("Move an official to another unit and/or role, or rename them; a move ends the account's access tokens (administrators; audited as user_update with the values before and after)",
		[]string{"admin"}, true, requestSchema(updateUserRequest{}), id,
		map[string]any{"200": resp("the account", user)}, "400", "401", "403", "404", "409", "415")}
	paths["/v1/admin/users/{id}/disable"] = map[string]any{"post": op("Disable an account (a resident's: block it): its sessions end on every instance within seconds and sign-ins are refused (administrators; audited as user_disable)",
		[]string{"admin"}, true, requestSchema(disableUserRequest{}), id,
		map[string]any{"200": resp("the account", user)}, "400", "401", "403", "404", "409", "415")}
	paths["/v1/admin/users/{id}/enable"] = map[string]any{"post": op("Enable an account again; its holder signs in anew (administrators; audited as user_enable)",
		[]string{"admin"}, true, nil, id, map[string]any{"200": resp("the account", user)}, "401", "403", "404")}
	paths["/v1/admin/users/{id}/reset-password"] = map[string]any{"post": op("Give an official a new one-time password, shown only in this answer; every session ends (administrators; audited as password_reset)",
		[]string{"admin"}, true, nil, id, map[string]any{"200": resp("the account and its password", userPw)}, "401", "403", "404")}
}
