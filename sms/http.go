package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"phananh/models"
)

// DefaultTemplate is the request body when HTTPConfig.Template is empty: a JSON object with the
// recipient and the message, the shape most SMS-gateway webhooks accept or can be mapped to.
const DefaultTemplate = `{"to":{{json .Phone}},"message":{{json .Text}}}`

// DefaultTimeout bounds one request when HTTPConfig.Timeout is zero, so a hung gateway cannot
// hold a sign-in request open.
const DefaultTimeout = 10 * time.Second

// maxErrorBody is how much of a refusal's body goes into the error: enough for the gateway's
// reason, not enough to flood the logs.
const maxErrorBody = 200

// HTTPConfig configures the HTTP driver. Every field is read once by NewHTTP.
type HTTPConfig struct {
	// URL is the gateway's webhook, http or https. Credentials in it (user info, query) are
	// kept out of error messages.
	URL string
	// Template is a text/template rendering the request body from .Phone and .Text. The helper
	// json renders a value as a JSON literal (quotes included), e.g.
	// `{"to":{{json .Phone}},"message":{{json .Text}}}`; for form bodies use the built-in
	// urlquery. Empty means DefaultTemplate.
	Template string
	// Header is added to every request, e.g. {"Authorization": "Bearer …"}. Content-Type is
	// application/json unless set here.
	Header map[string]string
	// Timeout bounds one request, on top of the caller's context. Zero means DefaultTimeout.
	Timeout time.Duration
	// Client sends the requests; nil means a client of our own that does not follow redirects
	// (a redirected POST becomes a GET without a body, which a gateway would answer with 200
	// and no message would leave).
	Client *http.Client
}

// HTTP sends each message as one POST to a generic SMS-gateway webhook. It lets a deployment use
// whichever gateway its operator has a contract with (most accept a JSON webhook) without a
// vendor SDK in the binary. It is safe for concurrent use.
type HTTP struct {
	url      string
	redacted string // url without credentials, for errors
	host     string // Host header override, which net/http takes from Request.Host only
	tmpl     *template.Template
	header   http.Header
	timeout  time.Duration
	client   *http.Client
}

// message is what the body template sees.
type message struct {
	Phone string
	Text  string
}

// probe is rendered once at construction: quotes, a backslash, a newline and Vietnamese text
// make a template that forgets the json helper produce invalid JSON and fail early.
func probe() message {
	return message{Phone: "+84912345678", Text: "Mã xác thực \"123456\" của bạn,\nhết hạn sau 5 phút \\ Phản ánh"}
}

// NewHTTP validates cfg and returns the driver. It fails on a URL that is not absolute http or
// https, an invalid header, a negative timeout, or a template that does not parse or render (a
// JSON content type also requires the rendered probe to be valid JSON), so a misconfiguration
// stops the server at start instead of failing the first sign-in.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the message would repeat the URL and any key inside it
		}
		return nil, fmt.Errorf("sms: invalid gateway URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("sms: gateway URL must be http or https, got scheme %q", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("sms: gateway URL has no host")
	}

	h := &HTTP{
		url:      u.String(),
		redacted: redactURL(u),
		header:   http.Header{"Content-Type": {"application/json"}},
		timeout:  cfg.Timeout,
		client:   cfg.Client,
	}
	for name, value := range cfg.Header {
		if !validHeaderName(name) {
			return nil, fmt.Errorf("sms: invalid header name %q", name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return nil, fmt.Errorf("sms: header %s has a control character in its value", name)
		}
		if http.CanonicalHeaderKey(name) == "Host" {
			h.host = value
			continue
		}
		h.header.Set(name, value)
	}
	switch {
	case h.timeout < 0:
		return nil, fmt.Errorf("sms: negative timeout %v", h.timeout)
	case h.timeout == 0:
		h.timeout = DefaultTimeout
	}
	if h.client == nil {
		h.client = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}

	src := cfg.Template
	if src == "" {
		src = DefaultTemplate
	}
	h.tmpl, err = template.New("sms").Funcs(template.FuncMap{"json": jsonLiteral}).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("sms: invalid body template: %w", err)
	}
	var body bytes.Buffer
	if err := h.tmpl.Execute(&body, probe()); err != nil {
		return nil, fmt.Errorf("sms: body template does not render: %w", err)
	}
	if isJSON(h.header.Get("Content-Type")) && !json.Valid(body.Bytes()) {
		// The rendered body is not quoted: templates may carry an API key.
		return nil, errors.New("sms: body template does not render valid JSON for a text with quotes and newlines (quote values with {{json .Text}})")
	}
	return h, nil
}

// Send POSTs the rendered body and succeeds on any 2xx answer. It makes one attempt (see the
// package documentation) bounded by ctx and the configured timeout.
func (h *HTTP) Send(ctx context.Context, phone, text string) error {
	if phone == "" {
		return models.FieldError(models.EInvalid, "phone", "phone number is required")
	}
	var body bytes.Buffer
	if err := h.tmpl.Execute(&body, message{Phone: phone, Text: text}); err != nil {
		return models.WrapError(models.EInternal, err, "sms body template failed")
	}

	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, &body)
	if err != nil {
		return models.WrapError(models.EInternal, h.redact(err), "sms request could not be built")
	}
	req.Header = h.header.Clone()
	if h.host != "" {
		req.Host = h.host
	}

	resp, err := h.client.Do(req)
	if err != nil {
		return models.WrapError(models.EUnavailable, h.redact(err), "sms gateway unreachable")
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	// Drain a bounded remainder so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	code := models.EInternal // the gateway refuses what we send: our configuration is wrong
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		code = models.EUnavailable
	}
	cause := fmt.Errorf("sms gateway %s answered %s", h.redacted, resp.Status)
	if reason := printable(snippet); reason != "" {
		cause = fmt.Errorf("%w: %s", cause, reason)
	}
	return models.WrapError(code, cause, "sms gateway refused the message")
}

// redact replaces the URL inside a *url.Error, so that a key in the query string or user info
// never reaches a log line.
func (h *HTTP) redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = h.redacted
	}
	return err
}

// redactURL keeps scheme, host and path: enough to tell which gateway failed.
func redactURL(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	s := r.String()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// jsonLiteral is the template helper json: v as a JSON literal, without HTML escaping (the body
// is not HTML, and "<" stays readable in gateway logs).
func jsonLiteral(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// printable makes a body snippet fit on one log line: valid UTF-8, control characters as spaces,
// and phone numbers a gateway may echo (any run of 8 or more digits, with an optional leading +)
// masked, since the error reaches the log.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), string(utf8.RuneError))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(phoneRun.ReplaceAllStringFunc(s, models.MaskPhone))
}

// phoneRun matches what may be a phone number in a gateway's answer.
var phoneRun = regexp.MustCompile(`\+?[0-9]{8,}`)

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return true
}
