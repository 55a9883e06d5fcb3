package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// consoleIntakeView is the "Tiếp nhận hộ" page: the form an IOC operator (the hotline) or a ward
// officer (a walk-in) fills in to file a report on a resident's behalf, through the same use
// case as POST /v1/tickets/on-behalf. The point comes from the ward chosen (a point inside it)
// unless the official types coordinates; a refused form comes back filled in.
type consoleIntakeView struct {
	Channels   []consoleOption
	Categories []consoleOption
	Areas      []consoleOption
	Form       consoleIntakeForm
	// Filed is the code and unit of a report just filed that the caller may not open (an
	// officer filing for another ward): the page says where it went.
	Filed string
}

// consoleIntakeForm is what the official typed, echoed back when the form is refused.
type consoleIntakeForm struct {
	Channel, Category, Area, Lat, Lng, Address, Description, Phone, Name string
	AllowContact                                                         bool
	Key                                                                  string // the idempotency key of this form: a double submit files once
}

func (s *consoleUI) consoleIntake(c *fiber.Ctx) error {
	return s.consoleIntakePage(c, fiber.StatusOK, nil, consoleIntakeForm{Channel: string(models.ChannelHotline)})
}

// consoleIntakePage renders the form with form's values and a fresh idempotency key unless the
// form carries one (a refused form keeps its key: fixing it and sending again files once).
func (s *consoleUI) consoleIntakePage(c *fiber.Ctx, status int, flash *consoleFlash, form consoleIntakeForm) error {
	lang := s.consoleLang(c)
	if form.Key == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		form.Key = "console-" + hex.EncodeToString(b[:])
	}
	v := &consoleIntakeView{Form: form, Categories: s.consoleCategories(lang)}
	for _, ch := range models.OnBehalfChannels {
		v.Channels = append(v.Channels, consoleOption{string(ch), translate(lang, "channel."+string(ch))})
	}
	for _, a := range s.svc.Catalog.BoundarySet().Areas() {
		v.Areas = append(v.Areas, consoleOption{a.Code, a.Name})
	}
	if code := c.Query("filed"); code != "" && flash == nil {
		flash = &consoleFlash{Kind: "ok", Message: translate(lang, "intake.filed") + " " + code}
	}
	return s.consoleRender(c, status, "intake", "intake.title", flash, v)
}

// consoleIntakeFile files the form's report. The official lands on the new ticket's page, or
// back on the form with its code when the report went to a unit they may not read.
func (s *consoleUI) consoleIntakeFile(c *fiber.Ctx) error {
	p := principal(c)
	form := consoleIntakeForm{Channel: c.FormValue("channel"), Category: c.FormValue("category"), Area: c.FormValue("area"),
		Lat: strings.TrimSpace(c.FormValue("lat")), Lng: strings.TrimSpace(c.FormValue("lng")), Address: c.FormValue("address"),
		Description: c.FormValue("description"), Phone: c.FormValue("phone"), Name: c.FormValue("name"),
		AllowContact: c.FormValue("allow_contact") == "true", Key: c.FormValue("key")}
	in := models.ReportInput{Category: form.Category, Description: form.Description, Address: form.Address,
		AllowContact: form.AllowContact, IdempotencyKey: form.Key, Channel: models.Channel(form.Channel)}
	loc, err := s.intakeLocation(form)
	if err != nil {
		return s.intakeRefused(c, err, form)
	}
	in.Location = loc
	t, _, err := s.svc.Tickets.FileOnBehalf(c.UserContext(), p, in, models.OnBehalf{Phone: form.Phone, Name: form.Name}, s.clientIP(c))
	if err != nil {
		return s.intakeRefused(c, err, form)
	}
	if !p.CanReadTicket(t) {
		return c.Redirect(consolePrefix+"/intake?filed="+url.QueryEscape(t.Code+" → "+t.UnitName), fiber.StatusSeeOther)
	}
	return c.Redirect(consolePrefix+"/tickets/"+url.PathEscape(t.ID)+"?done="+string(models.ActFileOnBehalf), fiber.StatusSeeOther)
}

// intakeRefused brings the form back filled in, saying every problem in the official's language
// as the API words them (fieldErrors).
func (s *consoleUI) intakeRefused(c *fiber.Ctx, err error, form consoleIntakeForm) error {
	status := statusOf(models.ErrorCode(err))
	if status >= 500 || status == fiber.StatusUnauthorized {
		return err
	}
	en := s.consoleLang(c) == "en"
	msg := localized(err, models.ErrorCode(err), models.ErrorMessage(err), false, en)
	if problems := models.FieldProblems(err); len(problems) > 0 {
		var parts []string
		for _, b := range fieldErrors(problems, en) {
			parts = append(parts, b.Message)
		}
		msg = strings.Join(parts, "; ")
	}
	return s.consoleIntakePage(c, status, &consoleFlash{Kind: "error", Message: msg}, form)
}

// intakeLocation is the form's point: the coordinates typed, or else a point inside the ward
// chosen.
func (s *consoleUI) intakeLocation(form consoleIntakeForm) (models.Location, error) {
	if form.Lat != "" || form.Lng != "" {
		lat, err1 := strconv.ParseFloat(form.Lat, 64)
		lng, err2 := strconv.ParseFloat(form.Lng, 64)
		if err1 != nil || err2 != nil {
			return models.Location{}, models.Problem("location", models.ProblemMalformed, "",
				"give both coordinates as numbers, e.g. 10.3867 and 105.4352, or choose the ward")
		}
		return models.Location{Lat: lat, Lng: lng}, nil
	}
	area, ok := s.svc.Catalog.BoundarySet().Area(form.Area)
	if !ok {
		return models.Location{}, models.Problem("location", models.ProblemRequired, "", "choose the ward or give the coordinates of the place")
	}
	pt := area.InteriorPoint()
	return models.Location{Lat: pt.Lat(), Lng: pt.Lon()}, nil
}
