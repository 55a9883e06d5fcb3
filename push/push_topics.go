package push

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	htransport "google.golang.org/api/transport/http"

	"google.golang.org/api/option"

	"phananh/app"
)

// iidHost is where the Admin SDK sends topic management (SubscribeToTopic and
// UnsubscribeFromTopic), fixed in the SDK.
const iidHost = "iid.googleapis.com"

// scopes are the OAuth scopes FCM needs, given to a transport built here (the SDK adds its own
// only to clients it builds itself).
var scopes = []string{"https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/firebase.messaging"}

// iidRedirectClient is an HTTP client, authenticated by auth when authenticate is set, keeping
// conns idle connections, that sends requests for the IID host to the scheme and host of
// endpoint instead, keeping their path (/iid/v1:batchAdd …).
func iidRedirectClient(ctx context.Context, endpoint string, conns int, authenticate bool, auth []option.ClientOption) (*http.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("push: FCM endpoint %q is not an http(s) URL", endpoint)
	}
	// SendEach runs 50 requests at once, per concurrent batch: keep conns connections (HTTP/1.1
	// to a local endpoint) instead of the default 2, like the transport the SDK builds itself.
	next := http.DefaultTransport.(*http.Transport).Clone()
	next.MaxIdleConns, next.MaxIdleConnsPerHost = max(next.MaxIdleConns, conns), conns
	base := &iidRedirect{scheme: u.Scheme, host: u.Host, next: next}
	if !authenticate {
		// Nothing to add to the requests: the SDK's transport would only wrap them in
		// telemetry, whose body wrapper also costs every send a second write (net/http flushes
		// the headers apart from a body it cannot tell is in memory).
		return &http.Client{Transport: base}, nil
	}
	rt, err := htransport.NewTransport(ctx, base, append([]option.ClientOption{option.WithScopes(scopes...)}, auth...)...)
	if err != nil {
		return nil, fmt.Errorf("push: FCM transport: %w", err)
	}
	return &http.Client{Transport: rt}, nil
}

// iidRedirect rewrites the IID host, and only it.
type iidRedirect struct {
	scheme, host string
	next         http.RoundTripper
}

func (r *iidRedirect) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != iidHost {
		return r.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = r.scheme, r.host, ""
	return r.next.RoundTrip(out)
}

var _ app.TopicManager = (*Sender)(nil)

// ChangeTopic subscribes the tokens to topic, or unsubscribes them, with one IID batch call,
// and returns IID's error per token ("" for success: FCM answers NOT_FOUND, INVALID_ARGUMENT,
// INTERNAL, TOO_MANY_TOPICS …).
func (s *Sender) ChangeTopic(ctx context.Context, topic string, tokens []string, subscribe bool) ([]string, error) {
	if len(tokens) == 0 {
		return nil, nil
	}
	if len(tokens) > app.MaxTopicTokens {
		return nil, fmt.Errorf("push: %d tokens in one topic change, at most %d", len(tokens), app.MaxTopicTokens)
	}
	change := s.client.SubscribeToTopic
	if !subscribe {
		change = s.client.UnsubscribeFromTopic
	}
	resp, err := change(ctx, tokens, topic)
	if err != nil {
		return nil, fmt.Errorf("push: topic %s: %w", topic, err)
	}
	out := make([]string, len(tokens))
	for _, e := range resp.Errors {
		if e != nil && e.Index >= 0 && e.Index < len(out) {
			out[e.Index] = e.Reason
			if out[e.Index] == "" {
				out[e.Index] = "UNKNOWN"
			}
		}
	}
	return out, nil
}
