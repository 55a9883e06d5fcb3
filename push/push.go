// Package push delivers the app's push outbox through Firebase Cloud Messaging with the Firebase
// Admin SDK (firebase.google.com/go/v4/messaging). It implements app.PushSender and is the only
// package that imports Firebase: SDK errors are classified here into the app's outcomes
// (delivered, bad token, retryable with Retry-After, third-party auth failure, rejected) so the
// dispatcher's policy never depends on the SDK.
package push

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"

	"phananh/app"
	"phananh/models"
)

// DefaultEndpoint is FCM's HTTP v1 base URL.
const DefaultEndpoint = "https://fcm.googleapis.com/v1"

// Config selects the Firebase project and how to reach and authenticate to FCM.
type Config struct {
	ProjectID string
	// CredentialsFile is a service-account JSON file; empty means Application Default
	// Credentials, or no authentication at all when Endpoint is set (the fake server, local
	// development).
	CredentialsFile string
	// Endpoint overrides the FCM base URL (default DefaultEndpoint).
	Endpoint string
	// Now tells the time for Retry-After headers given as HTTP dates; nil means time.Now.
	Now func() time.Time
	// Concurrency is how many batches the dispatcher sends at once (app.DispatcherDeps): with
	// Endpoint set, the HTTP/1.1 connection pool keeps 50 connections per batch, one per SDK
	// worker, so that no send waits for a reconnect.
	Concurrency int
}

// Sender implements app.PushSender on messaging.Client.SendEach.
type Sender struct {
	client *messaging.Client
	now    func() time.Time
}

var _ app.PushSender = (*Sender)(nil)

// New builds a Sender. It does not contact FCM: a wrong credential shows on the first send.
func New(ctx context.Context, cfg Config) (*Sender, error) {
	if cfg.ProjectID == "" {
		return nil, errors.New("push: FCM project id is required")
	}
	var opts, auth []option.ClientOption
	if cfg.CredentialsFile != "" {
		auth = append(auth, option.WithCredentialsFile(cfg.CredentialsFile)) // an operator-provided service-account file
	}
	if cfg.Endpoint != "" && cfg.Endpoint != DefaultEndpoint {
		// The SDK sends topic management to iid.googleapis.com whatever WithEndpoint says: an
		// HTTP client that redirects that host to the endpoint's host sends it along with the
		// messages (to the fake server, or a local proxy). The client then carries the
		// authentication too, which the SDK no longer adds to a client it is given; without a
		// credentials file there is none.
		hc, err := iidRedirectClient(ctx, cfg.Endpoint, sendWorkers*max(1, cfg.Concurrency), cfg.CredentialsFile != "", auth)
		if err != nil {
			return nil, err
		}
		opts = append(opts, option.WithEndpoint(strings.TrimSuffix(cfg.Endpoint, "/")), option.WithHTTPClient(hc))
	} else {
		opts = append(opts, auth...)
	}
	fb, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("push: firebase app: %w", err)
	}
	client, err := fb.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("push: messaging client: %w", err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Sender{client: client, now: now}, nil
}

// MaxBatch is FCM's limit of messages per SendEach call.
const MaxBatch = 500

// sendWorkers is how many requests the SDK's SendEach has in flight at once.
const sendWorkers = 50

// SendBatch sends up to MaxBatch messages with one SendEach call (the SDK sends them
// concurrently, one HTTP request each) and classifies every answer.
func (s *Sender) SendBatch(ctx context.Context, msgs []models.PushMessage) ([]app.PushResult, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	if len(msgs) > MaxBatch {
		return nil, fmt.Errorf("push: %d messages in one batch, at most %d", len(msgs), MaxBatch)
	}
	out := make([]app.PushResult, len(msgs))
	idx := make([]int, 0, len(msgs)) // positions in msgs still to send
	fms := make([]*messaging.Message, 0, len(msgs))
	for i := range msgs {
		idx, fms = append(idx, i), append(fms, Message(&msgs[i]))
	}
	for len(fms) > 0 {
		br, err := s.client.SendEach(ctx, fms)
		if err != nil {
			// The SDK validates every message before sending any and refuses the whole batch
			// for one bad message: reject that one and send the others, rather than let it
			// hold the batch back until everything is dead-lettered.
			var bad int
			if _, scanErr := fmt.Sscanf(err.Error(), "invalid message at index %d:", &bad); scanErr == nil && bad >= 0 && bad < len(fms) {
				out[idx[bad]] = app.PushResult{Outcome: app.PushRejected, Reason: err.Error(), Code: CodeInvalidMessage}
				idx, fms = slices.Delete(idx, bad, bad+1), slices.Delete(fms, bad, bad+1)
				continue
			}
			return nil, fmt.Errorf("push: send: %w", err)
		}
		if len(br.Responses) != len(fms) {
			return nil, fmt.Errorf("push: %d answers to %d messages", len(br.Responses), len(fms))
		}
		for j, r := range br.Responses {
			if r.Success {
				out[idx[j]] = app.PushResult{Outcome: app.PushDelivered}
			} else {
				out[idx[j]] = s.Classify(r.Error)
			}
		}
		break
	}
	return out, nil
}

// Classify turns an SDK error into the dispatcher's outcome (UNREGISTERED,
// SENDER_ID_MISMATCH and token INVALID_ARGUMENT mean the token is dead; QUOTA_EXCEEDED,
// UNAVAILABLE and INTERNAL are retried honouring Retry-After; THIRD_PARTY_AUTH_ERROR needs an
// operator). Transport failures (no answer at all) are retryable.
func (s *Sender) Classify(err error) app.PushResult {
	reason, code := err.Error(), fcmCode(err)
	if code != "" {
		reason = code + ": " + reason
	} else {
		code = CodeOther
	}
	r := app.PushResult{Reason: reason, Code: code}
	switch {
	case messaging.IsUnregistered(err), messaging.IsSenderIDMismatch(err):
		r.Outcome = app.PushBadToken
	case messaging.IsInvalidArgument(err):
		// FCM answers INVALID_ARGUMENT both for a malformed token and for a malformed message;
		// only the first is the device's fault.
		if strings.Contains(strings.ToLower(err.Error()), "token") {
			r.Outcome = app.PushBadToken
		} else {
			r.Outcome = app.PushRejected
		}
	case messaging.IsQuotaExceeded(err), messaging.IsUnavailable(err), messaging.IsInternal(err):
		r.Outcome, r.RetryAfter = app.PushRetryable, s.retryAfter(err)
	case messaging.IsThirdPartyAuthError(err):
		r.Outcome, r.RetryAfter = app.PushAuthFailure, s.retryAfter(err)
	default:
		r.Outcome, r.RetryAfter = app.PushRetryable, s.retryAfter(err)
	}
	return r
}

// retryAfter reads the Retry-After header of the HTTP response behind an SDK error. The SDK
// keeps the response in the exported Response field of its error type, which lives in an
// internal package and so cannot be named here: reflection reads the field by name, and any
// change of that shape in a later SDK only loses the hint (zero), never fails.
func (s *Sender) retryAfter(err error) time.Duration {
	v := reflect.ValueOf(err)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return 0
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0
	}
	f := v.FieldByName("Response")
	if !f.IsValid() || !f.CanInterface() {
		return 0
	}
	resp, ok := f.Interface().(*http.Response)
	if !ok || resp == nil {
		return 0
	}
	return ParseRetryAfter(resp.Header.Get("Retry-After"), s.now())
}

// ParseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Codes of app.PushResult.Code for failures that carry no FCM error code.
const (
	// CodeOther: no FCM error code (a transport failure, or a code this SDK does not name).
	CodeOther = "OTHER"
	// CodeInvalidMessage: the SDK refused the message before sending it.
	CodeInvalidMessage = "INVALID_MESSAGE"
)

// fcmCode is the FCM error code of an SDK error, for the outbox's last_error and metrics.
func fcmCode(err error) string {
	for code, is := range map[string]func(error) bool{
		"UNREGISTERED": messaging.IsUnregistered, "SENDER_ID_MISMATCH": messaging.IsSenderIDMismatch,
		"INVALID_ARGUMENT": messaging.IsInvalidArgument, "QUOTA_EXCEEDED": messaging.IsQuotaExceeded,
		"UNAVAILABLE": messaging.IsUnavailable, "INTERNAL": messaging.IsInternal, "THIRD_PARTY_AUTH_ERROR": messaging.IsThirdPartyAuthError,
	} {
		if is(err) {
			return code
		}
	}
	return ""
}

// Message builds the FCM message of an outbox entry: the notification, the data payload for deep
// links, and per-platform delivery options — high priority for urgent categories, one collapse
// key per ticket (a newer status replaces an undelivered older one, and a repeat after a crash
// shows once), and the time to live.
func Message(m *models.PushMessage) *messaging.Message {
	ttl := m.TTL
	priority, apnsPriority, urgency := "normal", "5", "normal"
	if m.Urgent {
		priority, apnsPriority, urgency = "high", "10", "high"
	}
	apnsHeaders := map[string]string{"apns-priority": apnsPriority, "apns-collapse-id": m.CollapseKey}
	if ttl > 0 {
		apnsHeaders["apns-expiration"] = strconv.FormatInt(m.CreatedAt.Add(ttl).Unix(), 10)
	}
	return &messaging.Message{
		Token:        m.Token,
		Topic:        m.Topic,
		Notification: &messaging.Notification{Title: m.Title, Body: m.Body},
		Data:         m.Data,
		Android:      &messaging.AndroidConfig{CollapseKey: m.CollapseKey, Priority: priority, TTL: &ttl},
		APNS: &messaging.APNSConfig{Headers: apnsHeaders, Payload: &messaging.APNSPayload{Aps: &messaging.Aps{
			Sound: "default", ThreadID: m.CollapseKey}}},
		Webpush: &messaging.WebpushConfig{Headers: map[string]string{
			"TTL": strconv.Itoa(int(ttl.Seconds())), "Urgency": urgency, "Topic": webTopic(m.CollapseKey)}},
	}
}

// webTopic makes a Web Push Topic header (at most 32 URL-safe characters) from the collapse key.
func webTopic(key string) string {
	b := []byte(key)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 32 {
		b = b[len(b)-32:]
	}
	return string(b)
}
