package handlers

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Open311 GeoReport v2 under /open311/v2 (wiki.open311.org/GeoReport_v2). Every resource is served as
// .json and .xml from one value: JSON is the XML without its root element, so lists are bare
// arrays. Where the two differ in shape (XML wraps list items in a container element), the
// value carries one field per format, the other one hidden by its tag.

// open311Base is the base path of the Open311 API (ours).
const open311Base = "/open311/v2"

// open311Changeset is when the shape of this Open311 API last changed; discovery must announce a
// datetime in the past (the SeeClickFix validator checks it).
const open311Changeset = "2026-11-27T00:00:00+07:00"

// Open311 content types, exactly as validators expect them: no charset parameter (JSON is UTF-8
// by definition; the XML declaration names UTF-8).
const (
	open311JSON = "application/json"
	open311XML  = "text/xml"
)

// open311Format is the representation a route serves, from its file extension.
type open311Format string

const (
	formatJSON open311Format = "json"
	formatXML  open311Format = "xml"
)

// open311Handler produces the value of a resource; the wrapper renders it or the error.
type open311Handler func(c *fiber.Ctx) (any, error)

// open311 renders h's value in format f, and every error in the specification's list format
// with its status (404 missing, 403 key, 400 the rest), never the API's usual error body.
func (s *open311API) open311(f open311Format, h open311Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		// The jurisdiction is checked first, so that nothing is filed for an unknown one.
		err := s.svc.Open311.CheckJurisdiction(open311Param(c, "jurisdiction_id"))
		var v any
		if err == nil {
			v, err = h(c)
		}
		if err != nil {
			status, body := s.open311Error(c, err)
			c.Status(status)
			v = body
		}
		return writeOpen311(c, f, v)
	}
}

// writeOpen311 encodes v as JSON or as an XML document.
func writeOpen311(c *fiber.Ctx, f open311Format, v any) error {
	if f == formatXML {
		data, err := xml.Marshal(v)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, open311XML)
		return c.Send(append([]byte(xml.Header), data...))
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, open311JSON)
	return c.Send(data)
}

// open311Errors is the error list of the specification.
type open311Errors struct {
	XMLName xml.Name       `json:"-" xml:"errors"`
	Errors  []open311Error `xml:"error"`
}

type open311Error struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// MarshalJSON drops the root: a bare array of errors.
func (e open311Errors) MarshalJSON() ([]byte, error) { return json.Marshal(e.Errors) }

// open311Error maps an error to the specification's statuses: 404 for a missing resource, 403
// for a missing, bad or wrongly scoped key, 400 for everything else the caller did; failures of
// the server stay 5xx (and are logged) so that clients retry them.
func (s *open311API) open311Error(c *fiber.Ctx, err error) (int, open311Errors) {
	code := models.ErrorCode(err)
	msg := models.ErrorMessage(err)
	if f := models.ErrorField(err); f != "" && !strings.Contains(msg, f) {
		msg = f + ": " + msg
	}
	var status int
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		status, msg = fiber.StatusBadRequest, fe.Message
	case code == models.ENotFound:
		status = fiber.StatusNotFound
	case code == models.EForbidden || code == models.EUnauthorized:
		status = fiber.StatusForbidden
	case code == models.EInternal || code == models.EUnavailable:
		status = statusOf(code)
		if errors.Is(err, context.DeadlineExceeded) { // as handleError: the request's deadline passed
			status, msg = fiber.StatusServiceUnavailable, "the request took too long"
		}
		s.log.Error("open311 request failed", "request_id", c.Locals(localRequestID), "route", routeTemplate(c), "error", err.Error())
	default:
		status = fiber.StatusBadRequest
	}
	return status, open311Errors{Errors: []open311Error{{Code: status, Description: msg}}}
}

// open311Param reads an argument from the query or, for POST, the form. An argument passed empty
// behaves as if absent (the specification says so).
func open311Param(c *fiber.Ctx, name string) string {
	if v := strings.TrimSpace(c.Query(name)); v != "" {
		return v
	}
	if c.Method() == fiber.MethodPost {
		return strings.TrimSpace(string(c.Request().PostArgs().Peek(name)))
	}
	return ""
}

// nullString is a text field that JSON renders as null when empty ("null where unknown"); XML
// renders it as an empty element, so every field is present in both formats.
type nullString string

// MarshalJSON renders "" as null.
func (n nullString) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(n))
}

// o311List is a list in both formats: JSON renders it as an array ([] when empty), XML as the
// field's element holding one child element per item, named item — Open311 writes
// <endpoints><endpoint>…</endpoint></endpoints>, <formats><format>…</format></formats>.
type o311List[T any] struct {
	item  string
	items []T
}

func listOf[T any](item string, items []T) o311List[T] {
	if items == nil {
		items = []T{}
	}
	return o311List[T]{item: item, items: items}
}

// MarshalJSON renders the items as an array.
func (l o311List[T]) MarshalJSON() ([]byte, error) { return json.Marshal(l.items) }

// MarshalXML renders start wrapping one item element per item.
func (l o311List[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, it := range l.items {
		if err := e.EncodeElement(it, xml.StartElement{Name: xml.Name{Local: l.item}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// --- discovery ---

type o311Discovery struct {
	XMLName    xml.Name               `json:"-" xml:"discovery"`
	Changeset  string                 `json:"changeset" xml:"changeset"`
	Contact    string                 `json:"contact" xml:"contact"`
	KeyService string                 `json:"key_service" xml:"key_service"`
	Endpoints  o311List[o311Endpoint] `json:"endpoints" xml:"endpoints"`
}

type o311Endpoint struct {
	Specification string           `json:"specification" xml:"specification"`
	URL           string           `json:"url" xml:"url"`
	Changeset     string           `json:"changeset" xml:"changeset"`
	Type          string           `json:"type" xml:"type"`
	Formats       o311List[string] `json:"formats" xml:"formats"`
}

func (s *open311API) o311Discovery(c *fiber.Ctx) (any, error) {
	ep := o311Endpoint{
		Specification: "http://wiki.open311.org/GeoReport_v2",
		URL:           s.baseURL(c) + open311Base,
		Changeset:     open311Changeset,
		Type:          "production",
		Formats:       listOf("format", []string{open311XML, open311JSON}),
	}
	return o311Discovery{
		Changeset:  open311Changeset,
		Contact:    "Trung tâm Giám sát, điều hành (IOC) — phản ánh hiện trường phananh",
		KeyService: "Khóa API phạm vi open311 do quản trị viên cấp (phananh admin apikey create --scope open311)",
		Endpoints:  listOf("endpoint", []o311Endpoint{ep}),
	}, nil
}

// --- services and service definitions ---

type o311Service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type o311ServiceList struct {
	XMLName  xml.Name      `json:"-" xml:"services"`
	Services []o311Service `xml:"service"`
}

func (l o311ServiceList) MarshalJSON() ([]byte, error) { return json.Marshal(l.Services) }

// groupNames are the Vietnamese names of the category groups, as Open311 "group".
var groupNames = map[models.Group]string{
	models.GroupANTT: "An ninh trật tự", models.GroupASXH: "An sinh xã hội", models.GroupDoThi: "Trật tự đô thị, hạ tầng",
	models.GroupMoiTruong: "Môi trường", models.GroupGiaoThong: "Giao thông", models.GroupKhac: "Khác",
}

func serviceView(cat models.Category) o311Service {
	group := groupName(cat.Group)
	return o311Service{
		ServiceCode: cat.Code, ServiceName: cat.Name, Description: cat.Description,
		Metadata: len(cat.Attributes) > 0,
		// Reports are filed synchronously: POST answers with the service_request_id.
		Type:     "realtime",
		Keywords: keywords(cat),
		Group:    group,
	}
}

// keywords is the comma list of a service's keywords: its group, its priority and the parts of
// its English name ("Public disorder, brawls, crowds" gives three).
func keywords(cat models.Category) string {
	kw := []string{string(cat.Group), string(cat.Priority)}
	for _, w := range strings.Split(cat.NameEN, ",") {
		if w = strings.TrimSpace(w); w != "" {
			kw = append(kw, w)
		}
	}
	return strings.Join(kw, ",")
}

func (s *open311API) o311Services(c *fiber.Ctx) (any, error) {
	out := o311ServiceList{Services: []o311Service{}}
	for _, cat := range s.svc.Catalog.Categories() {
		out.Services = append(out.Services, serviceView(cat))
	}
	return out, nil
}

type o311Definition struct {
	XMLName     xml.Name                `json:"-" xml:"service_definition"`
	ServiceCode string                  `json:"service_code" xml:"service_code"`
	Attributes  o311List[o311Attribute] `json:"attributes" xml:"attributes"`
}

type o311Attribute struct {
	Variable            bool                `json:"variable" xml:"variable"`
	Code                string              `json:"code" xml:"code"`
	Datatype            string              `json:"datatype" xml:"datatype"`
	Required            bool                `json:"required" xml:"required"`
	DatatypeDescription nullString          `json:"datatype_description" xml:"datatype_description"`
	Order               int                 `json:"order" xml:"order"`
	Description         string              `json:"description" xml:"description"`
	Values              o311List[o311Value] `json:"values" xml:"values"`
}

type o311Value struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// datatypeHints explain the free-form datatypes to client developers.
var datatypeHints = map[string]string{
	"number":   "a decimal number",
	"datetime": "ISO 8601 with an offset, e.g. 2026-03-02T08:15:30+07:00",
}

func (s *open311API) o311Definition(c *fiber.Ctx) (any, error) {
	cat, err := s.svc.Open311.Service(c.Params("service_code"))
	if err != nil {
		return nil, err
	}
	var attrs []o311Attribute
	for i, a := range cat.Attributes {
		// A value's key is the value itself: it is what a form posts and what officials read.
		var values []o311Value
		for _, v := range a.Values {
			values = append(values, o311Value{Key: v, Name: v})
		}
		attrs = append(attrs, o311Attribute{
			Variable: true, Code: a.Code, Datatype: a.Datatype, Required: a.Required,
			DatatypeDescription: nullString(datatypeHints[a.Datatype]), Order: i + 1, Description: a.Description,
			Values: listOf("value", values),
		})
	}
	return o311Definition{ServiceCode: cat.Code, Attributes: listOf("attribute", attrs)}, nil
}

// --- requests ---

type o311Request struct {
	XMLName           xml.Name   `json:"-" xml:"request"`
	ServiceRequestID  string     `json:"service_request_id" xml:"service_request_id"`
	Status            string     `json:"status" xml:"status"`
	StatusNotes       nullString `json:"status_notes" xml:"status_notes"`
	ServiceName       nullString `json:"service_name" xml:"service_name"`
	ServiceCode       string     `json:"service_code" xml:"service_code"`
	Description       nullString `json:"description" xml:"description"`
	AgencyResponsible nullString `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     nullString `json:"service_notice" xml:"service_notice"`
	RequestedDatetime nullString `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   nullString `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  nullString `json:"expected_datetime" xml:"expected_datetime"`
	Address           nullString `json:"address" xml:"address"`
	AddressID         nullString `json:"address_id" xml:"address_id"`
	Zipcode           nullString `json:"zipcode" xml:"zipcode"`
	Lat               float64    `json:"lat" xml:"lat"`
	Long              float64    `json:"long" xml:"long"`
	MediaURL          nullString `json:"media_url" xml:"media_url"`

	// extensions=true
	Notes              *o311List[o311Note] `json:"notes,omitempty" xml:"notes,omitempty"`
	ExtendedAttributes *o311Extension      `json:"extended_attributes,omitempty" xml:"extended_attributes,omitempty"`
}

type o311Note struct {
	Datetime    string `json:"datetime" xml:"datetime"`
	Description string `json:"description" xml:"description"`
	Type        string `json:"type" xml:"type"`
}

// o311Extension is what extensions=true adds besides notes: the human ticket code residents and
// call centres quote, the ward, and the detailed state.
type o311Extension struct {
	Code     string     `json:"code" xml:"code"`
	State    string     `json:"state" xml:"state"`
	Group    string     `json:"group" xml:"group"`
	AreaCode string     `json:"area_code" xml:"area_code"`
	Outcome  nullString `json:"outcome" xml:"outcome"`
}

type o311RequestList struct {
	XMLName  xml.Name      `json:"-" xml:"service_requests"`
	Requests []o311Request `xml:"request"`
}

func (l o311RequestList) MarshalJSON() ([]byte, error) { return json.Marshal(l.Requests) }

// requestView renders a redacted ticket (app.Redact) as an Open311 request. The address is the
// ward: the resident's street address would undo the rounding of the point.
// baseURL is the scheme and host the client used, so media_url points back at this server.
func (s *open311API) requestView(t *models.Ticket, extensions bool, baseURL string) o311Request {
	r := o311Request{
		ServiceRequestID:  t.ID,
		Status:            app.Open311Status(t.State),
		StatusNotes:       nullString(app.StatusNotes(t)),
		ServiceName:       nullString(s.svc.Open311.CategoryName(t.Category)),
		ServiceCode:       t.Category,
		Description:       nullString(t.Description),
		AgencyResponsible: nullString(t.UnitName),
		ServiceNotice:     nullString(app.ServiceNotice(t)),
		RequestedDatetime: nullString(formatTime(t.CreatedAt)),
		UpdatedDatetime:   nullString(formatTime(t.UpdatedAt)),
		ExpectedDatetime:  nullString(formatTime(t.ResolveDueAt)),
		Address:           nullString(t.AreaName),
		Lat:               t.Location.Lat,
		Long:              t.Location.Lng,
	}
	if len(t.Media) > 0 { // app.redactWithMedia keeps only a public ticket's images
		r.MediaURL = nullString(baseURL + "/v1/media/" + t.Media[0] + "?size=large")
	}
	if extensions {
		var notes []o311Note
		for _, e := range t.History {
			if e.Visibility == models.Public {
				notes = append(notes, o311Note{Datetime: formatTime(e.At), Description: app.EventText(e), Type: string(e.Action)})
			}
		}
		l := listOf("note", notes)
		r.Notes = &l
		r.ExtendedAttributes = &o311Extension{Code: t.Code, State: string(t.State), Group: string(t.Group),
			AreaCode: t.AreaCode, Outcome: nullString(t.Outcome)}
	}
	return r
}

// splitList reads a comma-separated argument, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseOpen311Time reads an ISO 8601 datetime (with an offset, or Z) or a plain date, which is
// the start of that day in Vietnamese time.
func parseOpen311Time(c *fiber.Ctx, name string) (time.Time, error) {
	v := open311Param(c, name)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", v, models.VietnamTime); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, models.FieldError(models.EInvalid, name, "%s must be an ISO 8601 datetime with an offset, e.g. 2026-03-02T08:15:30+07:00", name)
}

// positiveInt reads an optional integer argument ≥ 1.
func positiveInt(c *fiber.Ctx, name string) (int, error) {
	v := open311Param(c, name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, models.FieldError(models.EInvalid, name, "%s must be a whole number of at least 1", name)
	}
	return n, nil
}

// parseBBox reads bbox=minLng,minLat,maxLng,maxLat.
func parseBBox(v string) (*models.BBox, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	bad := models.FieldError(models.EInvalid, "bbox", "bbox must be minLng,minLat,maxLng,maxLat")
	if len(parts) != 4 {
		return nil, bad
	}
	var f [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, bad
		}
		f[i] = x
	}
	b := &models.BBox{MinLng: f[0], MinLat: f[1], MaxLng: f[2], MaxLat: f[3]}
	if b.MinLng > b.MaxLng || b.MinLat > b.MaxLat {
		return nil, bad
	}
	return b, nil
}

func (s *open311API) o311Requests(c *fiber.Ctx) (any, error) {
	var rq app.RequestsQuery
	var err error
	rq.IDs = splitList(open311Param(c, "service_request_id"))
	rq.ServiceCodes = splitList(open311Param(c, "service_code"))
	rq.Statuses = splitList(strings.ToLower(open311Param(c, "status")))
	for name, dst := range map[string]*time.Time{"start_date": &rq.Start, "end_date": &rq.End,
		"updated_after": &rq.UpdatedAfter, "updated_before": &rq.UpdatedBefore} {
		if *dst, err = parseOpen311Time(c, name); err != nil {
			return nil, err
		}
	}
	if rq.BBox, err = parseBBox(open311Param(c, "bbox")); err != nil {
		return nil, err
	}
	if rq.Page, err = positiveInt(c, "page"); err != nil {
		return nil, err
	}
	if rq.PageSize, err = positiveInt(c, "page_size"); err != nil {
		return nil, err
	}
	ts, err := s.svc.Open311.Requests(c.UserContext(), rq)
	if err != nil {
		return nil, err
	}
	ext := open311Param(c, "extensions") == "true"
	out := o311RequestList{Requests: make([]o311Request, 0, len(ts))}
	for _, t := range ts {
		out.Requests = append(out.Requests, s.requestView(t, ext, s.baseURL(c)))
	}
	return out, nil
}

func (s *open311API) o311Request(c *fiber.Ctx) (any, error) {
	t, err := s.svc.Open311.Request(c.UserContext(), c.Params("service_request_id"))
	if err != nil {
		return nil, err
	}
	return o311RequestList{Requests: []o311Request{s.requestView(t, open311Param(c, "extensions") == "true", s.baseURL(c))}}, nil
}

// o311RequestAlias serves the official Swagger file's /request/{id}: one bare request.
func (s *open311API) o311RequestAlias(c *fiber.Ctx) (any, error) {
	t, err := s.svc.Open311.Request(c.UserContext(), c.Params("service_request_id"))
	if err != nil {
		return nil, err
	}
	return s.requestView(t, open311Param(c, "extensions") == "true", s.baseURL(c)), nil
}

// --- POST requests ---

type o311Created struct {
	XMLName          xml.Name   `json:"-" xml:"request"`
	ServiceRequestID string     `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string     `json:"service_notice" xml:"service_notice"`
	AccountID        nullString `json:"account_id" xml:"account_id"`
}

type o311CreatedList struct {
	XMLName  xml.Name      `json:"-" xml:"service_requests"`
	Requests []o311Created `xml:"request"`
}

func (l o311CreatedList) MarshalJSON() ([]byte, error) { return json.Marshal(l.Requests) }

// o311Post files a report. The body is form-encoded; attribute[CODE]=v and attribute[CODE][]=v
// carry the service definition's answers.
func (s *open311API) o311Post(c *fiber.Ctx) (any, error) {
	key := open311Param(c, "api_key")
	if key == "" {
		return nil, models.FieldError(models.EForbidden, "api_key", "api_key is required")
	}
	p, err := s.svc.Auth.AuthenticateAPIKey(c.UserContext(), key)
	if err != nil {
		return nil, err
	}
	in := app.Open311Submission{
		ServiceCode:   open311Param(c, "service_code"),
		AddressString: open311Param(c, "address_string"),
		AddressID:     open311Param(c, "address_id"),
		Description:   open311Param(c, "description"),
		Attributes:    map[string][]string{},
	}
	for _, name := range []string{"lat", "long"} {
		v := open311Param(c, name)
		if v == "" {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, models.FieldError(models.EInvalid, name, "%s must be a number", name)
		}
		if name == "lat" {
			in.Lat = &x
		} else {
			in.Long = &x
		}
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		name, ok := strings.CutPrefix(string(k), "attribute[")
		if !ok {
			return
		}
		name = strings.TrimSuffix(name, "[]")
		if code, ok := strings.CutSuffix(name, "]"); ok && code != "" {
			in.Attributes[code] = append(in.Attributes[code], string(v))
		}
	})
	t, err := s.svc.Open311.Submit(c.UserContext(), p, in)
	if err != nil {
		return nil, err
	}
	return o311CreatedList{Requests: []o311Created{{
		ServiceRequestID: t.ID, ServiceNotice: app.ServiceNotice(t),
		AccountID: nullString(open311Param(c, "account_id")),
	}}}, nil
}

// --- tokens ---

type o311TokenAnswer struct {
	XMLName          xml.Name `json:"-" xml:"request"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	Token            string   `json:"token" xml:"token"`
}

type o311TokenList struct {
	XMLName  xml.Name          `json:"-" xml:"service_requests"`
	Requests []o311TokenAnswer `xml:"request"`
}

func (l o311TokenList) MarshalJSON() ([]byte, error) { return json.Marshal(l.Requests) }

func (s *open311API) o311Token(c *fiber.Ctx) (any, error) {
	token := c.Params("token")
	id, err := s.svc.Open311.Token(c.UserContext(), token)
	if err != nil {
		return nil, err
	}
	return o311TokenList{Requests: []o311TokenAnswer{{ServiceRequestID: id, Token: token}}}, nil
}

// --- servicerequestupdates (FixMyStreet) ---

type o311Update struct {
	XMLName          xml.Name   `json:"-" xml:"request_update"`
	UpdateID         string     `json:"update_id" xml:"update_id"`
	ServiceRequestID string     `json:"service_request_id" xml:"service_request_id"`
	Status           string     `json:"status" xml:"status"`
	Description      string     `json:"description" xml:"description"`
	UpdatedDatetime  string     `json:"updated_datetime" xml:"updated_datetime"`
	MediaURL         nullString `json:"media_url" xml:"media_url"`
}

type o311UpdateList struct {
	XMLName xml.Name     `json:"-" xml:"service_request_updates"`
	Updates []o311Update `xml:"request_update"`
}

func (l o311UpdateList) MarshalJSON() ([]byte, error) { return json.Marshal(l.Updates) }

func (s *open311API) o311Updates(c *fiber.Ctx) (any, error) {
	start, err := parseOpen311Time(c, "start_date")
	if err != nil {
		return nil, err
	}
	end, err := parseOpen311Time(c, "end_date")
	if err != nil {
		return nil, err
	}
	us, err := s.svc.Open311.Updates(c.UserContext(), start, end)
	if err != nil {
		return nil, err
	}
	out := o311UpdateList{Updates: make([]o311Update, 0, len(us))}
	for _, u := range us {
		out.Updates = append(out.Updates, o311Update{UpdateID: u.UpdateID, ServiceRequestID: u.RequestID,
			Status: u.Status, Description: u.Description, UpdatedDatetime: formatTime(u.At)})
	}
	return out, nil
}

// addOpenDataPaths documents the exports and the Open311 API in the OpenAPI document.
func addOpenDataPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any) {
	file := func(mime, desc string) map[string]any {
		schema := map[string]any{"type": "string"}
		if mime == "application/geo+json" { // a JSON document: a FeatureCollection
			schema = map[string]any{"type": "object", "required": []string{"type", "features"}, "properties": map[string]any{
				"type": map[string]any{"type": "string", "enum": []string{"FeatureCollection"}}, "features": map[string]any{"type": "array",
					"items": map[string]any{"type": "object", "description": "a GeoJSON Feature: a Point and the ticket's columns as properties",
						"required": []string{"type", "geometry", "properties"}, "properties": map[string]any{
							"type":       map[string]any{"type": "string", "enum": []string{"Feature"}},
							"geometry":   map[string]any{"type": "object", "required": []string{"type", "coordinates"}, "properties": map[string]any{"type": map[string]any{"type": "string"}, "coordinates": map[string]any{"type": "array", "items": map[string]any{"type": "number"}}}},
							"properties": map[string]any{"type": "object", "description": "the export's columns", "additionalProperties": true}}}}}}
		}
		return map[string]any{"200": map[string]any{"description": desc, "content": map[string]any{mime: map[string]any{"schema": schema}}}}
	}
	filters := func(ioc bool) []any {
		ps := []any{
			param("from", "query", false, "string", "filed from: YYYY-MM-DD (Asia/Ho_Chi_Minh) or RFC 3339, inclusive"),
			param("to", "query", false, "string", "filed before: RFC 3339 (exclusive), or YYYY-MM-DD (that whole day included)"),
			param("category", "query", false, "string", "comma-separated category codes"),
			param("group", "query", false, "string", "comma-separated groups, e.g. do_thi"),
			param("state", "query", false, "string", "comma-separated states"),
			param("area", "query", false, "string", "area code"),
		}
		if ioc {
			ps = append(ps, param("unit", "query", false, "string", "unit id"),
				param(HeaderAPIKey, "header", false, "string", "machine key with the export scope, instead of a bearer token (each use is audited)"))
		}
		return ps
	}
	csvLang := param("lang", "query", false, "string", "en (default) or vi: language of the CSV header row")
	paths["/v1/export/tickets.csv"] = map[string]any{"get": op("All tickets as CSV, streamed (UTF-8 with BOM; reporters as pseudonyms; a machine key gets the public view)", []string{"export"}, true, nil,
		append(filters(true), csvLang), file("text/csv", "CSV"), "400", "401", "403")}
	paths["/v1/export/tickets.geojson"] = map[string]any{"get": op("All tickets as a GeoJSON FeatureCollection, streamed (a machine key gets the public view)", []string{"export"}, true, nil,
		filters(true), file("application/geo+json", "GeoJSON"), "400", "401", "403")}
	paths["/v1/opendata/tickets.csv"] = map[string]any{"get": op("Open data: public tickets as CSV, redacted (no identities, no private categories, points rounded to ~100 m, no address)", []string{"export"}, false, nil,
		append(filters(false), csvLang), file("text/csv", "CSV"), "400")}
	paths["/v1/opendata/tickets.geojson"] = map[string]any{"get": op("Open data: public tickets as GeoJSON, redacted", []string{"export"}, false, nil,
		filters(false), file("application/geo+json", "GeoJSON"), "400")}

	// Open311: the wire formats are the specification's (bare JSON arrays, XML documents, errors
	// as [{code, description}]), described in the GeoReport v2 specification rather than as schemas here.
	o311 := func(summary string, params []any, errs ...string) map[string]any {
		return op(summary, []string{"open311"}, false, nil, append(params,
			param("jurisdiction_id", "query", false, "string", "optional; the active boundary set id")),
			map[string]any{"200": map[string]any{"description": "Open311 GeoReport v2 document", "content": map[string]any{
				open311JSON: map[string]any{"schema": map[string]any{}}, open311XML: map[string]any{"schema": map[string]any{}}}}}, errs...)
	}
	reqFilters := []any{
		param("service_request_id", "query", false, "string", "comma list; overrides every other filter"),
		param("service_code", "query", false, "string", "comma list"),
		param("start_date", "query", false, "string", "ISO 8601; with end_date at most 90 days apart (default: the last 90 days)"),
		param("end_date", "query", false, "string", "ISO 8601"), param("status", "query", false, "string", "open, closed or both"),
		param("updated_after", "query", false, "string", "ISO 8601"), param("updated_before", "query", false, "string", "ISO 8601"),
		param("bbox", "query", false, "string", "minLng,minLat,maxLng,maxLat"), param("page", "query", false, "integer", "from 1"),
		param("page_size", "query", false, "integer", "at most 1000 (default)"), param("extensions", "query", false, "boolean", "true adds notes[] and extended_attributes"),
	}
	id := param("service_request_id", "path", true, "string", "service request id")
	for _, ext := range []string{".json", ".xml"} {
		b := "/open311/v2"
		paths[b+"/discovery"+ext] = map[string]any{"get": o311("Open311 discovery", nil)}
		paths[b+"/services"+ext] = map[string]any{"get": o311("Open311 services (the active categories)", nil)}
		paths[b+"/services/{service_code}"+ext] = map[string]any{"get": o311("Open311 service definition (the category's attributes)",
			[]any{param("service_code", "path", true, "string", "category code")}, "404")}
		paths[b+"/requests"+ext] = map[string]any{
			"get": o311("Open311 service requests: public tickets, redacted, newest first", reqFilters, "400"),
			"post": o311("Open311: file a report (form-encoded: api_key with the open311 scope, service_code, lat, long, description, attribute[CODE])",
				nil, "400", "403", "404"),
		}
		paths[b+"/requests/{service_request_id}"+ext] = map[string]any{"get": o311("Open311: one public request (a list of one)", []any{id}, "404")}
		paths[b+"/request/{service_request_id}"+ext] = map[string]any{"get": o311("Open311: one public request as a bare object (Swagger alias)", []any{id}, "404")}
		paths[b+"/tokens/{token}"+ext] = map[string]any{"get": o311("Open311: the service request id of a token (tokens are the ids themselves)",
			[]any{param("token", "path", true, "string", "token")}, "404")}
		paths[b+"/servicerequestupdates"+ext] = map[string]any{"get": o311("Public updates of public requests (FixMyStreet extension)",
			[]any{param("start_date", "query", false, "string", "ISO 8601"), param("end_date", "query", false, "string", "ISO 8601")}, "400")}
	}
}
