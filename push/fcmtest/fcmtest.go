// Package fcmtest is a fake Firebase Cloud Messaging server speaking the FCM HTTP v1 API
// (POST /v1/projects/{project}/messages:send), for tests and local development. The real
// Firebase Admin SDK is pointed at it with option.WithEndpoint(server.URL+"/v1") and
// option.WithoutAuthentication(). Error answers carry the google.firebase.fcm.v1.FcmError
// details FCM sends, so the SDK's messaging.IsUnregistered, IsQuotaExceeded … classify them
// exactly as they classify real ones.
//
// Failures are scriptable: a queue of responses consumed by successive requests (Script), per
// token queues (ScriptToken), tokens that are permanently unregistered (Unregister), and a
// latency per request. Every request is recorded (Received). The hot path reads only the target
// of a message and keeps its JSON, which Received decodes when a test asks: the fake is in the
// loop of the dispatcher benchmark, and real FCM spends none of this machine's CPU.
//
// It also serves the Instance ID topic-management endpoints the SDK's SubscribeToTopic and
// UnsubscribeFromTopic call (POST /iid/v1:batchAdd and /iid/v1:batchRemove; the SDK sends them
// to iid.googleapis.com, so the client must redirect that host here, as package push does when
// given an endpoint). It answers per token ({} or {"error":"NOT_FOUND"} for an unregistered
// token), records each call (TopicCalls), keeps the memberships (TopicMembers), and can fail
// whole calls (ScriptTopic).
package fcmtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"firebase.google.com/go/v4/messaging"
)

// FCM error codes (google.firebase.fcm.v1.FcmError.errorCode).
const (
	Unregistered        = "UNREGISTERED"
	InvalidArgument     = "INVALID_ARGUMENT"
	SenderIDMismatch    = "SENDER_ID_MISMATCH"
	QuotaExceeded       = "QUOTA_EXCEEDED"
	Unavailable         = "UNAVAILABLE"
	Internal            = "INTERNAL"
	ThirdPartyAuthError = "THIRD_PARTY_AUTH_ERROR"
)

// Response is one scripted answer. A zero Status means 200 (success); otherwise Code names the
// FCM error code (derived from the status when empty) and RetryAfter, when set, is sent as the
// Retry-After header (seconds or an HTTP date). Delay is waited before answering.
type Response struct {
	Status     int
	Code       string
	RetryAfter string
	Message    string
	Delay      time.Duration
}

// OK is the success response.
var OK = Response{}

// Fail returns a failure with the HTTP status FCM uses for the error code.
func Fail(code string) Response {
	st := map[string]int{Unregistered: 404, InvalidArgument: 400, SenderIDMismatch: 403, QuotaExceeded: 429,
		Unavailable: 503, Internal: 500, ThirdPartyAuthError: 401}[code]
	if st == 0 {
		st = 500
	}
	return Response{Status: st, Code: code}
}

// Request is one received send request and the answer given.
type Request struct {
	At           time.Time
	Project      string
	Message      messaging.Message
	ValidateOnly bool
	Status       int
	Code         string
	Name         string // the message name answered on success
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	script   []Response
	perToken map[string][]Response
	gone     map[string]bool
	latency  time.Duration
	received []Request
	raw      [][]byte // per received request: its body until Received decodes the message
	seq      int

	topicScript []Response
	topicCalls  []TopicCall
	members     map[string]map[string]bool // topic → tokens
}

// TopicCall is one received topic-management call and the answer given.
type TopicCall struct {
	At        time.Time
	Subscribe bool   // batchAdd; false: batchRemove
	Topic     string // without the /topics/ prefix
	Tokens    []string
	Status    int
	Errors    []string // per token: "" or the error answered
}

// ScriptTopic appends responses consumed, one per call, by the next topic-management calls; a
// zero Status lets the call succeed.
func (s *Server) ScriptTopic(rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.topicScript = append(s.topicScript, rs...)
}

// TopicCalls returns a copy of every topic-management call so far, in arrival order.
func (s *Server) TopicCalls() []TopicCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.topicCalls)
}

// TopicMembers returns the tokens subscribed to topic, sorted.
func (s *Server) TopicMembers(topic string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for tok := range s.members[topic] {
		out = append(out, tok)
	}
	slices.Sort(out)
	return out
}

// serveTopic implements POST /iid/v1:batchAdd and /iid/v1:batchRemove.
func (s *Server) serveTopic(w http.ResponseWriter, r *http.Request, subscribe bool) {
	var body struct {
		To     string   `json:"to"`
		Tokens []string `json:"registration_tokens"`
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.To == "" || len(body.Tokens) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "InvalidRequest"})
		return
	}
	topic := strings.TrimPrefix(body.To, "/topics/")
	s.mu.Lock()
	call := TopicCall{At: time.Now(), Subscribe: subscribe, Topic: topic, Tokens: body.Tokens, Status: http.StatusOK}
	var resp Response
	if len(s.topicScript) > 0 {
		resp, s.topicScript = s.topicScript[0], s.topicScript[1:]
	}
	results := make([]map[string]string, len(body.Tokens))
	if resp.Status != 0 {
		call.Status = resp.Status
	} else {
		call.Errors = make([]string, len(body.Tokens))
		if s.members == nil {
			s.members = map[string]map[string]bool{}
		}
		for i, tok := range body.Tokens {
			results[i] = map[string]string{}
			switch {
			case s.gone[tok]:
				results[i]["error"], call.Errors[i] = "NOT_FOUND", "NOT_FOUND"
			case subscribe:
				if s.members[topic] == nil {
					s.members[topic] = map[string]bool{}
				}
				s.members[topic][tok] = true
			default:
				delete(s.members[topic], tok)
			}
		}
	}
	s.topicCalls = append(s.topicCalls, call)
	delay := s.latency + resp.Delay
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if resp.Status != 0 {
		if resp.RetryAfter != "" {
			w.Header().Set("Retry-After", resp.RetryAfter)
		}
		w.WriteHeader(resp.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": http.StatusText(resp.Status)})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"results": results})
}

// New starts a fake FCM server; Close it when done.
func New() *Server {
	s := &Server{perToken: map[string][]Response{}, gone: map[string]bool{}}
	s.Server = httptest.NewServer(s)
	return s
}

// Endpoint is the base URL to give the SDK (option.WithEndpoint) or FCM_ENDPOINT.
func (s *Server) Endpoint() string { return s.URL + "/v1" }

// Script appends responses consumed, one per request, by the next requests (any token).
func (s *Server) Script(rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, rs...)
}

// ScriptToken appends responses for requests to one token; they take precedence over Script.
func (s *Server) ScriptToken(token string, rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perToken[token] = append(s.perToken[token], rs...)
}

// Unregister makes every later send to the tokens answer UNREGISTERED (an uninstalled app).
func (s *Server) Unregister(tokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range tokens {
		s.gone[t] = true
	}
}

// SetLatency delays every answer by d (on top of a scripted Delay).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Received returns a copy of every request so far, in arrival order.
func (s *Server) Received() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, b := range s.raw {
		if b != nil {
			// The JSON was valid when received (the hot path decoded it), so this fails only
			// for a message the SDK's own decoder refuses: keep what it decoded then.
			body := struct {
				Message *messaging.Message `json:"message"`
			}{&s.received[i].Message}
			_ = json.Unmarshal(b, &body)
			s.raw[i] = nil
		}
	}
	return slices.Clone(s.received)
}

// Delivered returns the messages answered with success, in arrival order.
func (s *Server) Delivered() []Request {
	var out []Request
	for _, r := range s.Received() {
		if r.Status == http.StatusOK {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets the recorded requests (scripts and unregistered tokens stay).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received, s.raw = nil, nil
}

// ServeHTTP implements the FCM HTTP v1 send endpoint and the IID topic endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && (r.URL.Path == "/iid/v1:batchAdd" || r.URL.Path == "/iid/v1:batchRemove") {
		s.serveTopic(w, r, r.URL.Path == "/iid/v1:batchAdd")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/projects/")
	project, op, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || op != "messages:send" || r.Method != http.MethodPost {
		writeError(w, Response{Status: 404, Message: "no such endpoint " + r.Method + " " + r.URL.Path})
		return
	}
	body, err := readBody(r)
	var head struct {
		Message struct {
			Token     string `json:"token"`
			Topic     string `json:"topic"`
			Condition string `json:"condition"`
		} `json:"message"`
		ValidateOnly bool `json:"validate_only"`
	}
	if err == nil {
		err = json.Unmarshal(body, &head)
	}
	if err != nil {
		writeError(w, Response{Status: 400, Code: InvalidArgument, Message: "invalid JSON payload: " + err.Error()})
		return
	}
	target := head.Message
	token := target.Token
	s.mu.Lock()
	var resp Response
	switch {
	case len(s.perToken[token]) > 0:
		resp, s.perToken[token] = s.perToken[token][0], s.perToken[token][1:]
	case s.gone[token]:
		resp = Fail(Unregistered)
		resp.Message = "Requested entity was not found."
	case len(s.script) > 0:
		resp, s.script = s.script[0], s.script[1:]
	}
	if resp.Status == 0 && token == "" && target.Topic == "" && target.Condition == "" {
		resp = Response{Status: 400, Code: InvalidArgument, Message: "The registration token is not a valid FCM registration token"}
	}
	delay := s.latency + resp.Delay
	req := Request{At: time.Now(), Project: project, ValidateOnly: head.ValidateOnly, Status: resp.Status, Code: resp.Code}
	if req.Status == 0 {
		req.Status = http.StatusOK
		s.seq++
		req.Name = "projects/" + project + "/messages/" + strconv.Itoa(s.seq)
	}
	s.received, s.raw = append(s.received, req), append(s.raw, body)
	s.mu.Unlock()

	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if req.Status != http.StatusOK {
		writeError(w, resp)
		return
	}
	name, _ := json.Marshal(req.Name) // a JSON string: the project comes from the URL
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write(slices.Concat([]byte(`{"name":`), name, []byte("}\n")))
}

// readBody reads a request body whole, in one allocation when the length is announced.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 || r.ContentLength > 1<<20 {
		return io.ReadAll(r.Body)
	}
	b := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, b)
	return b, err
}

// writeError answers like FCM: a google.rpc.Status with the FcmError detail.
func writeError(w http.ResponseWriter, r Response) {
	status := map[int]string{400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
		429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}[r.Status]
	if status == "" {
		status = "UNKNOWN"
	}
	code := r.Code
	if code == "" {
		code = map[int]string{400: InvalidArgument, 401: ThirdPartyAuthError, 403: SenderIDMismatch, 404: Unregistered,
			429: QuotaExceeded, 500: Internal, 503: Unavailable}[r.Status]
	}
	msg := r.Message
	if msg == "" {
		msg = http.StatusText(r.Status)
	}
	e := map[string]any{"code": r.Status, "message": msg, "status": status}
	if code != "" {
		e["details"] = []any{map[string]string{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if r.RetryAfter != "" {
		w.Header().Set("Retry-After", r.RetryAfter)
	}
	w.WriteHeader(r.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}
