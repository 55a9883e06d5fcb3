package tests

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Open311 GeoReport v2 conformance (wiki.open311.org/GeoReport_v2). Every resource is fetched as JSON and
// as XML, both are checked against a schema written from the specification — lists are bare JSON
// arrays, ids are strings, datetimes carry an offset, every field is present (null/empty where
// unknown) — and the two formats must carry the same data. The stable shapes (discovery,
// services, a service definition) are pinned by golden files; UPDATE_GOLDEN=1 rewrites them.

// fieldKind is the type a schema field must have.
type fieldKind int

const (
	kString       fieldKind = iota // a string, never null
	kNullString                    // a string or null (an empty element in XML)
	kDatetime                      // ISO 8601 with an offset
	kNullDatetime                  // a datetime or null
	kNumber
	kInt
	kBool
	kEnum // a string out of enum
)

type schemaField struct {
	name string
	kind fieldKind
	enum []string
}

// The schemas of the specification's objects.
var (
	serviceSchema = []schemaField{{"service_code", kString, nil}, {"service_name", kString, nil}, {"description", kNullString, nil},
		{"metadata", kBool, nil}, {"type", kEnum, []string{"realtime", "batch", "blackbox"}}, {"keywords", kNullString, nil}, {"group", kNullString, nil}}
	attributeSchema = []schemaField{{"variable", kBool, nil}, {"code", kString, nil},
		{"datatype", kEnum, []string{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}},
		{"required", kBool, nil}, {"datatype_description", kNullString, nil}, {"order", kInt, nil}, {"description", kString, nil}}
	valueSchema   = []schemaField{{"key", kString, nil}, {"name", kString, nil}}
	requestSchema = []schemaField{{"service_request_id", kString, nil}, {"status", kEnum, []string{"open", "closed"}},
		{"status_notes", kNullString, nil}, {"service_name", kNullString, nil}, {"service_code", kString, nil},
		{"description", kNullString, nil}, {"agency_responsible", kNullString, nil}, {"service_notice", kNullString, nil},
		{"requested_datetime", kDatetime, nil}, {"updated_datetime", kNullDatetime, nil}, {"expected_datetime", kNullDatetime, nil},
		{"address", kNullString, nil}, {"address_id", kNullString, nil}, {"zipcode", kNullString, nil},
		{"lat", kNumber, nil}, {"long", kNumber, nil}, {"media_url", kNullString, nil}}
	noteSchema    = []schemaField{{"datetime", kDatetime, nil}, {"description", kString, nil}, {"type", kString, nil}}
	createdSchema = []schemaField{{"service_request_id", kString, nil}, {"service_notice", kString, nil}, {"account_id", kNullString, nil}}
	tokenSchema   = []schemaField{{"service_request_id", kString, nil}, {"token", kString, nil}}
	updateSchema  = []schemaField{{"update_id", kString, nil}, {"service_request_id", kString, nil},
		{"status", kEnum, []string{"open", "investigating", "in_progress", "action_scheduled", "no_further_action",
			"not_councils_responsibility", "duplicate", "internal_referral", "fixed", "closed"}},
		{"description", kString, nil}, {"updated_datetime", kDatetime, nil}, {"media_url", kNullString, nil}}
	errorSchema     = []schemaField{{"code", kInt, nil}, {"description", kString, nil}}
	discoverySchema = []schemaField{{"changeset", kDatetime, nil}, {"contact", kString, nil}, {"key_service", kString, nil}}
	endpointSchema  = []schemaField{{"specification", kString, nil}, {"url", kString, nil}, {"changeset", kDatetime, nil},
		{"type", kEnum, []string{"production", "test"}}}
)

var withOffset = regexp.MustCompile(`(Z|[+-]\d\d:\d\d)$`)

// checkDatetime fails unless v is ISO 8601 with an offset.
func checkDatetime(t *testing.T, where, v string) {
	t.Helper()
	if _, err := time.Parse(time.RFC3339, v); err != nil || !withOffset.MatchString(v) {
		t.Errorf("%s: %q is not an ISO 8601 datetime with an offset", where, v)
	}
}

// jsonObject checks obj against fields and returns its values as text (null as "").
func jsonObject(t *testing.T, where string, v any, fields []schemaField) map[string]string {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: %T is not a JSON object", where, v)
	}
	out := map[string]string{}
	for _, f := range fields {
		w := where + "." + f.name
		raw, present := obj[f.name]
		if !present {
			t.Errorf("%s is missing", w)
			continue
		}
		nullable := f.kind == kNullString || f.kind == kNullDatetime
		if raw == nil {
			if !nullable {
				t.Errorf("%s is null", w)
			}
			continue
		}
		switch f.kind {
		case kString, kNullString, kDatetime, kNullDatetime, kEnum:
			s, ok := raw.(string)
			if !ok {
				t.Errorf("%s: %v (%T) is not a string", w, raw, raw)
				continue
			}
			if f.kind == kString && s == "" {
				t.Errorf("%s is empty", w)
			}
			if f.kind == kDatetime || f.kind == kNullDatetime {
				checkDatetime(t, w, s)
			}
			if f.kind == kEnum && !slices.Contains(f.enum, s) {
				t.Errorf("%s: %q is not one of %v", w, s, f.enum)
			}
			out[f.name] = s
		case kNumber, kInt:
			n, ok := raw.(float64)
			if !ok || (f.kind == kInt && n != math.Trunc(n)) {
				t.Errorf("%s: %v (%T) is not a JSON %s", w, raw, raw, map[fieldKind]string{kNumber: "number", kInt: "integer"}[f.kind])
				continue
			}
			out[f.name] = strconv.FormatFloat(n, 'f', -1, 64)
		case kBool:
			b, ok := raw.(bool)
			if !ok {
				t.Errorf("%s: %v (%T) is not a JSON boolean", w, raw, raw)
				continue
			}
			out[f.name] = strconv.FormatBool(b)
		}
	}
	return out
}

// xmlNode is a parsed XML element.
type xmlNode struct {
	name     string
	text     string
	children []*xmlNode
}

func (n *xmlNode) child(name string) *xmlNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *xmlNode) all(name string) []*xmlNode {
	var out []*xmlNode
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// parseXML parses a whole document with encoding/xml into a tree.
func parseXML(t *testing.T, data []byte) *xmlNode {
	t.Helper()
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("XML does not start with the UTF-8 declaration: %.60s", data)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("malformed XML: %v\n%s", err, data)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: tk.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root != nil {
				t.Fatalf("XML has two root elements")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tk)
			}
		}
	}
	if root == nil {
		t.Fatalf("empty XML document")
	}
	return root
}

// xmlObject checks an element against fields (every field a child element, empty where JSON has
// null) and returns the values as text, normalised like jsonObject's.
func xmlObject(t *testing.T, where string, n *xmlNode, fields []schemaField) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range fields {
		w := where + "/" + f.name
		c := n.child(f.name)
		if c == nil {
			t.Errorf("%s is missing", w)
			continue
		}
		v := c.text
		if v == "" {
			if f.kind != kNullString && f.kind != kNullDatetime {
				t.Errorf("%s is empty", w)
			}
			continue
		}
		switch f.kind {
		case kDatetime, kNullDatetime:
			checkDatetime(t, w, v)
		case kEnum:
			if !slices.Contains(f.enum, v) {
				t.Errorf("%s: %q is not one of %v", w, v, f.enum)
			}
		case kNumber, kInt:
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || (f.kind == kInt && x != math.Trunc(x)) {
				t.Errorf("%s: %q is not a number", w, v)
			}
			v = strconv.FormatFloat(x, 'f', -1, 64)
		case kBool:
			if v != "true" && v != "false" {
				t.Errorf("%s: %q is not a boolean", w, v)
			}
		}
		out[f.name] = v
	}
	return out
}

// sameData fails when the JSON and XML renderings of one object differ.
func sameData(t *testing.T, where string, fromJSON, fromXML map[string]string) {
	t.Helper()
	for k, v := range fromJSON {
		if fromXML[k] != v {
			t.Errorf("%s.%s: JSON %q, XML %q", where, k, v, fromXML[k])
		}
	}
	for k, v := range fromXML {
		if _, ok := fromJSON[k]; !ok && v != "" {
			t.Errorf("%s.%s: only in XML (%q)", where, k, v)
		}
	}
}

// o311 fetches one Open311 resource in both formats and checks the content types; query starts
// with "?" or is empty.
func o311(t *testing.T, s *server, resource, query string, status int) (jsonBody any, xmlRoot *xmlNode) {
	t.Helper()
	for _, f := range []struct{ ext, ctype string }{{".json", "application/json"}, {".xml", "text/xml"}} {
		r := s.request(t, "GET", "/open311/v2/"+resource+f.ext+query, "", nil)
		if r.status != status {
			t.Fatalf("GET %s%s%s: status %d, want %d; body %s", resource, f.ext, query, r.status, status, r.body)
		}
		if ct := r.header.Get("Content-Type"); ct != f.ctype {
			t.Errorf("GET %s%s: Content-Type %q, want exactly %q", resource, f.ext, ct, f.ctype)
		}
		if f.ext == ".json" {
			if err := json.Unmarshal(r.body, &jsonBody); err != nil {
				t.Fatalf("GET %s.json: %v\n%s", resource, err, r.body)
			}
		} else {
			xmlRoot = parseXML(t, r.body)
		}
	}
	return jsonBody, xmlRoot
}

// jsonList insists on a bare JSON array.
func jsonList(t *testing.T, where string, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: %T is not a bare JSON array", where, v)
	}
	return l
}

// checkList checks a list resource: a bare JSON array and an XML root of items, item by item
// against the schema and against each other. It returns the JSON items' values.
func checkList(t *testing.T, where string, j any, x *xmlNode, root, item string, fields []schemaField) []map[string]string {
	t.Helper()
	list := jsonList(t, where, j)
	if x.name != root {
		t.Fatalf("%s: XML root <%s>, want <%s>", where, x.name, root)
	}
	items := x.all(item)
	if len(items) != len(list) || len(x.children) != len(items) {
		t.Fatalf("%s: %d JSON items, %d XML <%s> of %d children", where, len(list), len(items), item, len(x.children))
	}
	out := make([]map[string]string, len(list))
	for i := range list {
		w := fmt.Sprintf("%s[%d]", where, i)
		out[i] = jsonObject(t, w, list[i], fields)
		sameData(t, w, out[i], xmlObject(t, w, items[i], fields))
	}
	return out
}

// checkErrors checks an Open311 error answer in both formats.
func checkErrors(t *testing.T, where string, jr, xr response, status int) {
	t.Helper()
	for _, r := range []response{jr, xr} {
		if r.status != status {
			t.Errorf("%s: status %d, want %d; body %s", where, r.status, status, r.body)
			return
		}
	}
	var j any
	if err := json.Unmarshal(jr.body, &j); err != nil {
		t.Fatalf("%s: %v: %s", where, err, jr.body)
	}
	errs := checkList(t, where, j, parseXML(t, xr.body), "errors", "error", errorSchema)
	if len(errs) == 0 || errs[0]["code"] != strconv.Itoa(status) {
		t.Errorf("%s: errors %v, want code %d", where, errs, status)
	}
}

// golden compares data with testdata/open311/name, or rewrites it when UPDATE_GOLDEN is set.
func golden(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join("testdata", "open311", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if !bytes.Equal(want, data) {
		t.Errorf("%s differs from the golden file:\n got %s\nwant %s", name, data, want)
	}
}

// apiKey creates a machine key with the CLI and returns it.
func apiKey(t *testing.T, s *server, name, scope string) string {
	t.Helper()
	out, err := s.admin("", "apikey", "create", "--name", name, "--scope", scope)
	if err != nil {
		t.Fatalf("admin apikey create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	if !strings.HasPrefix(key, "pk_") {
		t.Fatalf("no key in %q", out)
	}
	return key
}

// postForm posts a form-encoded body.
func postForm(t *testing.T, s *server, path string, form url.Values) response {
	t.Helper()
	return s.request(t, "POST", path, "", form.Encode(), "Content-Type: application/x-www-form-urlencoded")
}

func TestOpen311Conformance(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 0), ward(set, 1)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		key := apiKey(t, s, "FixMyStreet Long Xuyên", "open311")
		statsKey := apiKey(t, s, "IOC", "stats")
		resident := s.signInResident("0912300001").AccessToken
		ioc := s.createOfficial("ioc_operator", "ioc.o311", "").AccessToken

		// A public report with a phone number in it, worked on with a public and an internal
		// note; a private one that no Open311 read may show.
		pub := fileTicket(t, s, resident, wfReport("TTDT", x, "Lấn chiếm vỉa hè, liên hệ 0912 345 678", false))
		pub = step(t, s, ioc, pub, "note", fields{"note": "Đã chuyển đội trật tự đô thị", "visibility": "public"}, "received")
		pub = step(t, s, ioc, pub, "note", fields{"note": "Nội bộ: chủ quán là người quen", "visibility": "internal"}, "received")
		priv := fileTicket(t, s, resident, wfReport("ANTT.03", x, "Trộm xe máy", false))
		o := &open311Fixture{s: s, golden: st.mongo == nil, key: key, statsKey: statsKey, resident: resident, ioc: ioc,
			x: x, y: y, pub: pub, priv: priv}

		t.Run("discovery", o.discovery)
		t.Run("services", o.services)
		t.Run("service definition", o.serviceDefinition)
		// POST requests in both formats; the JSON one with attributes.
		t.Run("post requests", o.postRequests)
		t.Run("get requests", o.getRequests)
		t.Run("filters", o.filters)
		t.Run("single request, alias, token", o.singleRequest)
		t.Run("extensions and updates", o.extensionsAndUpdates)
		t.Run("errors", o.errors)
	})
}

// open311Fixture is a server with an Open311 and a stats key, a resident, an IOC operator, and
// the resident's tickets: pub (public, with a phone number, a public and an internal note) and
// priv (private). posted are the ids of the requests postRequests filed. golden says whether to
// compare with the golden files (on SQLite).
type open311Fixture struct {
	s                            *server
	golden                       bool
	key, statsKey, resident, ioc string
	x, y                         wardPoint
	pub, priv                    wfTicket
	posted                       []string
}

// discovery checks the discovery document in JSON and XML: the same data, one endpoint with
// both formats, and the golden files.
func (o *open311Fixture) discovery(t *testing.T) {
	j, xr := o311(t, o.s, "discovery", "", 200)
	got := jsonObject(t, "discovery", j, discoverySchema)
	sameData(t, "discovery", got, xmlObject(t, "discovery", xr, discoverySchema))
	if cs, _ := time.Parse(time.RFC3339, got["changeset"]); !cs.Before(time.Now()) {
		t.Errorf("changeset %s is not in the past", got["changeset"])
	}
	eps := jsonList(t, "endpoints", j.(map[string]any)["endpoints"])
	xeps := xr.child("endpoints").all("endpoint")
	if len(eps) != 1 || len(xeps) != 1 {
		t.Fatalf("%d JSON and %d XML endpoints, want 1", len(eps), len(xeps))
	}
	ep := jsonObject(t, "endpoint", eps[0], endpointSchema)
	sameData(t, "endpoint", ep, xmlObject(t, "endpoint", xeps[0], endpointSchema))
	if ep["url"] != o.s.base+"/open311/v2" || ep["specification"] != "http://wiki.open311.org/GeoReport_v2" {
		t.Errorf("endpoint %v", ep)
	}
	var formats []string
	for _, f := range jsonList(t, "formats", eps[0].(map[string]any)["formats"]) {
		formats = append(formats, f.(string))
	}
	var xformats []string
	for _, f := range xeps[0].child("formats").all("format") {
		xformats = append(xformats, f.text)
	}
	slices.Sort(formats)
	if !slices.Equal(formats, []string{"application/json", "text/xml"}) || !slices.Equal(slices.Sorted(slices.Values(xformats)), formats) {
		t.Errorf("formats JSON %v XML %v", formats, xformats)
	}
	if o.golden {
		for _, ext := range []string{"json", "xml"} {
			r := o.s.request(t, "GET", "/open311/v2/discovery."+ext, "", nil)
			golden(t, "discovery."+ext, bytes.ReplaceAll(r.body, []byte(o.s.base), []byte("http://HOST")))
		}
	}
}

// services checks the service list in JSON and XML and its golden files.
func (o *open311Fixture) services(t *testing.T) {
	j, xr := o311(t, o.s, "services", "", 200)
	svcs := checkList(t, "services", j, xr, "services", "service", serviceSchema)
	codes := map[string]map[string]string{}
	for _, sv := range svcs {
		codes[sv["service_code"]] = sv
	}
	if len(svcs) < 30 || codes["MT"]["metadata"] != "true" || codes["ANTT.03"]["metadata"] != "false" {
		t.Errorf("%d services; MT %v; ANTT.03 %v", len(svcs), codes["MT"], codes["ANTT.03"])
	}
	if o.golden {
		for _, ext := range []string{"json", "xml"} {
			golden(t, "services."+ext, o.s.request(t, "GET", "/open311/v2/services."+ext, "", nil).body)
		}
	}
}

// serviceDefinition checks the definitions of three services: attributes in the same order and
// with the same values in JSON and XML, and the golden files of ASXH.08.
func (o *open311Fixture) serviceDefinition(t *testing.T) {
	for _, code := range []string{"ASXH.08", "MT", "TTDT"} {
		j, xr := o311(t, o.s, "services/"+code, "", 200)
		obj := j.(map[string]any)
		if obj["service_code"] != code || xr.name != "service_definition" || xr.child("service_code").text != code {
			t.Fatalf("definition of %s: %v / <%s>", code, obj["service_code"], xr.name)
		}
		attrs := jsonList(t, "attributes", obj["attributes"])
		xattrs := xr.child("attributes")
		if xattrs == nil || len(xattrs.all("attribute")) != len(attrs) {
			t.Fatalf("%s: %d JSON attributes, XML %v", code, len(attrs), xattrs)
		}
		orders := map[string]bool{}
		for i, a := range attrs {
			w := fmt.Sprintf("%s.attributes[%d]", code, i)
			ja := jsonObject(t, w, a, attributeSchema)
			xa := xattrs.all("attribute")[i]
			sameData(t, w, ja, xmlObject(t, w, xa, attributeSchema))
			if n, _ := strconv.Atoi(ja["order"]); n < 1 || orders[ja["order"]] {
				t.Errorf("%s: order %s is below 1 or repeated", w, ja["order"])
			}
			orders[ja["order"]] = true
			vals := jsonList(t, w+".values", a.(map[string]any)["values"])
			xvals := xa.child("values").all("value")
			if len(vals) != len(xvals) || (strings.HasSuffix(ja["datatype"], "valuelist") && len(vals) == 0) {
				t.Errorf("%s: %d JSON values, %d XML values", w, len(vals), len(xvals))
			}
			for k := range min(len(vals), len(xvals)) {
				sameData(t, w, jsonObject(t, w, vals[k], valueSchema), xmlObject(t, w, xvals[k], valueSchema))
			}
		}
		if o.golden && code == "ASXH.08" {
			for _, ext := range []string{"json", "xml"} {
				golden(t, "service_"+code+"."+ext, o.s.request(t, "GET", "/open311/v2/services/"+code+"."+ext, "", nil).body)
			}
		}
	}
}

// postRequests posts a request in each format (the JSON one with attributes) and checks the
// answer and the ticket it filed through the app's intake.
func (o *open311Fixture) postRequests(t *testing.T) {
	for _, ext := range []string{".json", ".xml"} {
		form := url.Values{"api_key": {o.key}, "service_code": {"MT"}, "lat": {fmt.Sprint(o.y.lat)}, "long": {fmt.Sprint(o.y.lng)},
			"description": {"Rác thải đổ trộm ven kênh" + ext}, "attribute[waste_type]": {"Nước thải"},
			"email": {"nguoidan@example.vn"}, "first_name": {"An"}, "phone": {"0913000111"}, "account_id": {"fms-42"}}
		r := postForm(t, o.s, "/open311/v2/requests"+ext, form).expect(t, http.StatusOK)
		var items []map[string]string
		if ext == ".json" {
			var j any
			r.json(t, &j)
			for i, it := range jsonList(t, "post", j) {
				items = append(items, jsonObject(t, fmt.Sprintf("post[%d]", i), it, createdSchema))
			}
		} else {
			root := parseXML(t, r.body)
			if root.name != "service_requests" {
				t.Fatalf("POST XML root <%s>", root.name)
			}
			for i, it := range root.all("request") {
				items = append(items, xmlObject(t, fmt.Sprintf("post[%d]", i), it, createdSchema))
			}
		}
		if len(items) != 1 {
			t.Fatalf("POST %s: %d items, want a list of one", ext, len(items))
		}
		it := items[0]
		if it["account_id"] != "fms-42" || !strings.Contains(it["service_notice"], "Hạn xử lý") {
			t.Errorf("POST %s: %v", ext, it)
		}
		o.posted = append(o.posted, it["service_request_id"])
	}
	// The report went through the app's intake: routed to the ward's People's Committee,
	// with the attribute answer in the text, visible to the IOC.
	tk := getTicket(t, o.s, o.ioc, o.posted[0])
	if tk.Category != "MT" || tk.Area.Code != o.y.code || tk.Unit.ID != unitOf(o.y.code, "ubnd") || tk.State != "received" {
		t.Errorf("Open311 ticket %+v", tk)
	}
	// Both came through the Open311 channel, which the IOC's queue filters by.
	if got := queueIDs(t, o.s, o.ioc, "channel=open311"); len(got) != len(o.posted) || !slices.Contains(got, o.posted[0]) || !slices.Contains(got, o.posted[1]) {
		t.Errorf("the queue's Open311 tickets are %v, want the posted %v", got, o.posted)
	}
	notice := "Hạn xử lý: " + parseTime(t, tk.ResolveDueAt).Format("15:04 ngày 02/01/2006")
	var created []map[string]string
	j, _ := o311(t, o.s, "requests/"+o.posted[0], "", 200)
	for _, it := range jsonList(t, "request", j) {
		created = append(created, jsonObject(t, "request", it, requestSchema))
	}
	if !strings.Contains(created[0]["service_notice"], notice) || !strings.Contains(created[0]["service_notice"], tk.Unit.Name) {
		t.Errorf("service_notice %q does not state the unit %q and %q", created[0]["service_notice"], tk.Unit.Name, notice)
	}
	if !strings.Contains(created[0]["description"], "Loại ô nhiễm: Nước thải") {
		t.Errorf("attribute answer missing from %q", created[0]["description"])
	}
	if created[0]["expected_datetime"] != tk.ResolveDueAt {
		t.Errorf("expected_datetime %s, want the resolution deadline %s", created[0]["expected_datetime"], tk.ResolveDueAt)
	}
}

// getRequests checks the request list: the public and the posted requests, never the private
// one, redacted and rounded, newest first.
func (o *open311Fixture) getRequests(t *testing.T) {
	j, xr := o311(t, o.s, "requests", "", 200)
	reqs := checkList(t, "requests", j, xr, "service_requests", "request", requestSchema)
	byID := map[string]map[string]string{}
	for _, r := range reqs {
		byID[r["service_request_id"]] = r
	}
	if len(reqs) != 3 || byID[o.pub.ID] == nil || byID[o.priv.ID] != nil {
		t.Fatalf("requests %v: want the public ticket and the two Open311 ones, never the private one", slices.Collect(func(yield func(string) bool) {
			for id := range byID {
				if !yield(id) {
					return
				}
			}
		}))
	}
	p := byID[o.pub.ID]
	if p["status"] != "open" || p["service_code"] != "TTDT" || p["address"] != o.pub.Area.Name || strings.Contains(p["description"], "345") {
		t.Errorf("public request %v", p)
	}
	for _, k := range []string{"lat", "long"} {
		if v, _ := strconv.ParseFloat(p[k], 64); math.Abs(v*1000-math.Round(v*1000)) > 1e-6 {
			t.Errorf("%s %s is not rounded to 3 decimals", k, p[k])
		}
	}
	// Newest first.
	if reqs[0]["service_request_id"] != o.posted[1] {
		t.Errorf("first request %s, want the newest %s", reqs[0]["service_request_id"], o.posted[1])
	}
}

// filters checks the number of requests each filter leaves.
func (o *open311Fixture) filters(t *testing.T) {
	now := time.Now()
	count := func(query string) int {
		t.Helper()
		j, xr := o311(t, o.s, "requests", query, 200)
		return len(checkList(t, "requests"+query, j, xr, "service_requests", "request", requestSchema))
	}
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "?" + v.Encode()
	}
	bboxOf := func(p wardPoint, d float64) string {
		return fmt.Sprintf("%f,%f,%f,%f", p.lng-d, p.lat-d, p.lng+d, p.lat+d)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{q("service_code", "TTDT"), 1},
		{q("service_code", "TTDT,MT"), 3},
		{q("service_code", "ANTT.03"), 0},
		{q("status", "open"), 3},
		{q("status", "closed"), 0},
		{q("status", "open,closed"), 3},
		{q("status", ""), 3}, // empty is absent
		{q("start_date", rfc(now.Add(-time.Hour)), "end_date", rfc(now.Add(time.Hour))), 3},
		{q("start_date", rfc(now.Add(time.Hour))), 0},
		{q("end_date", rfc(now.Add(-time.Hour))), 0},
		{q("updated_after", rfc(now.Add(-time.Hour))), 3},
		{q("updated_after", rfc(now.Add(time.Hour))), 0},
		{q("updated_before", rfc(now.Add(-time.Hour))), 0},
		{q("bbox", bboxOf(o.y, 0.002)), 2},
		{q("bbox", bboxOf(o.x, 0.002)), 1},
		{q("page_size", "2"), 2},
		{q("page_size", "2", "page", "2"), 1},
		{q("page", "3", "page_size", "2"), 0},
		{q("service_request_id", o.pub.ID+","+o.priv.ID+","+o.posted[0], "service_code", "GT"), 2}, // ids override filters; private stays hidden
		{q("jurisdiction_id", "longxuyen-2023"), 3},
	} {
		if got := count(tc.query); got != tc.want {
			t.Errorf("requests%s: %d requests, want %d", tc.query, got, tc.want)
		}
	}
}

// singleRequest checks one request, its alias and its token.
func (o *open311Fixture) singleRequest(t *testing.T) {
	j, xr := o311(t, o.s, "requests/"+o.pub.ID, "", 200)
	one := checkList(t, "request", j, xr, "service_requests", "request", requestSchema)
	if len(one) != 1 || one[0]["service_request_id"] != o.pub.ID {
		t.Fatalf("requests/%s: %v", o.pub.ID, one)
	}
	j, xr = o311(t, o.s, "request/"+o.pub.ID, "", 200)
	if xr.name != "request" {
		t.Errorf("alias XML root <%s>, want <request>", xr.name)
	}
	sameData(t, "alias", jsonObject(t, "alias", j, requestSchema), one[0])
	sameData(t, "alias", xmlObject(t, "alias", xr, requestSchema), one[0])

	j, xr = o311(t, o.s, "tokens/"+o.posted[0], "", 200)
	tok := checkList(t, "tokens", j, xr, "service_requests", "request", tokenSchema)
	if len(tok) != 1 || tok[0]["service_request_id"] != o.posted[0] {
		t.Errorf("tokens: %v", tok)
	}
}

// extensionsAndUpdates checks the notes and extended attributes of the extensions, and the
// updates: public ones only.
func (o *open311Fixture) extensionsAndUpdates(t *testing.T) {
	j, xr := o311(t, o.s, "requests/"+o.pub.ID, "?extensions=true", 200)
	item := jsonList(t, "request", j)[0].(map[string]any)
	notes := jsonList(t, "notes", item["notes"])
	xnotes := xr.child("request").child("notes").all("note")
	if len(notes) != 2 || len(xnotes) != 2 {
		t.Fatalf("%d JSON and %d XML notes, want 2 (filing and the public note, not the internal one)", len(notes), len(xnotes))
	}
	for i := range notes {
		w := fmt.Sprintf("notes[%d]", i)
		sameData(t, w, jsonObject(t, w, notes[i], noteSchema), xmlObject(t, w, xnotes[i], noteSchema))
	}
	if notes[1].(map[string]any)["description"] != "Đã chuyển đội trật tự đô thị" {
		t.Errorf("notes %v", notes)
	}
	if ext := item["extended_attributes"].(map[string]any); ext["code"] != o.pub.Code {
		t.Errorf("extended_attributes %v", ext)
	}
	if strings.Contains(string(o.s.request(t, "GET", "/open311/v2/requests.json?extensions=true", "", nil).body), "Nội bộ") {
		t.Error("an internal note is public")
	}

	j, xr = o311(t, o.s, "servicerequestupdates", "", 200)
	ups := checkList(t, "updates", j, xr, "service_request_updates", "request_update", updateSchema)
	if len(ups) != 4 { // pub: submit + public note; two Open311 submits
		t.Errorf("%d updates, want 4: %v", len(ups), ups)
	}
	for _, u := range ups {
		if u["service_request_id"] == o.priv.ID || strings.Contains(u["description"], "Nội bộ") {
			t.Errorf("update %v is not public", u)
		}
	}
}

// errors checks the refusal of bad requests, in both formats, and that the refused POSTs filed
// nothing.
func (o *open311Fixture) errors(t *testing.T) {
	get := func(path string) (response, response) {
		base, query, _ := strings.Cut(path, "?")
		if query != "" {
			query = "?" + query
		}
		return o.s.request(t, "GET", "/open311/v2/"+base+".json"+query, "", nil), o.s.request(t, "GET", "/open311/v2/"+base+".xml"+query, "", nil)
	}
	post := func(form url.Values) (response, response) {
		return postForm(t, o.s, "/open311/v2/requests.json", form), postForm(t, o.s, "/open311/v2/requests.xml", form)
	}
	loc := url.Values{"lat": {fmt.Sprint(o.x.lat)}, "long": {fmt.Sprint(o.x.lng)}, "description": {"Ổ gà"}}
	with := func(base url.Values, kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		call   func() (response, response)
		status int
	}{
		{"missing key", func() (response, response) { return post(with(loc, "service_code", "GT")) }, 403},
		{"bad key", func() (response, response) { return post(with(loc, "service_code", "GT", "api_key", "pk_nope")) }, 403},
		{"stats key", func() (response, response) { return post(with(loc, "service_code", "GT", "api_key", o.statsKey)) }, 403},
		{"unknown service", func() (response, response) { return post(with(loc, "service_code", "NOPE", "api_key", o.key)) }, 404},
		{"missing service", func() (response, response) { return post(with(loc, "api_key", o.key)) }, 400},
		{"missing location", func() (response, response) {
			return post(url.Values{"api_key": {o.key}, "service_code": {"GT"}, "description": {"Ổ gà"}})
		}, 400},
		{"address only", func() (response, response) {
			return post(url.Values{"api_key": {o.key}, "service_code": {"GT"}, "address_string": {"12 Trần Hưng Đạo"}, "description": {"Ổ gà"}})
		}, 400},
		{"outside jurisdiction", func() (response, response) {
			return post(url.Values{"api_key": {o.key}, "service_code": {"GT"}, "lat": {"21.03"}, "long": {"105.85"}, "description": {"Ổ gà"}})
		}, 400},
		{"bad attribute", func() (response, response) {
			return post(with(loc, "api_key", o.key, "service_code", "MT", "attribute[waste_type]", "không có"))
		}, 400},
		{"unknown jurisdiction post", func() (response, response) {
			return post(with(loc, "api_key", o.key, "service_code", "GT", "jurisdiction_id", "hanoi"))
		}, 404},
		{"unknown service definition", func() (response, response) { return get("services/NOPE") }, 404},
		{"unknown request", func() (response, response) { return get("requests/nope") }, 404},
		{"private request", func() (response, response) { return get("requests/" + o.priv.ID) }, 404},
		{"private request alias", func() (response, response) { return get("request/" + o.priv.ID) }, 404},
		{"unknown token", func() (response, response) { return get("tokens/nope") }, 404},
		{"unknown jurisdiction", func() (response, response) { return get("services?jurisdiction_id=hanoi") }, 404},
		{"bad date", func() (response, response) { return get("requests?start_date=yesterday") }, 400},
		{"span over 90 days", func() (response, response) {
			return get("requests?start_date=2026-01-01T00:00:00%2B07:00&end_date=2026-06-01T00:00:00%2B07:00")
		}, 400},
		{"bad status", func() (response, response) { return get("requests?status=pending") }, 400},
		{"bad bbox", func() (response, response) { return get("requests?bbox=1,2,3") }, 400},
		{"bad page", func() (response, response) { return get("requests?page=0") }, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jr, xr := tc.call()
			checkErrors(t, tc.name, jr, xr, tc.status)
		})
	}
	// Nothing was filed by the refused POSTs.
	j, _ := o311(t, o.s, "requests", "", 200)
	if n := len(jsonList(t, "requests", j)); n != 3 {
		t.Errorf("%d requests after the refused POSTs, want 3", n)
	}
}
