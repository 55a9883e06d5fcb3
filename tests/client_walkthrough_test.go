package tests

import (
	"context"
	"net/http"
	"testing"

	"phananh/client"
)

// ptr is a pointer to v, for the generated client's optional fields.
func ptr[T any](v T) *T { return &v }

// clientAs is the generated client sending token as the bearer token ("" for none).
func clientAs(t *testing.T, s *server, token string) *client.ClientWithResponses {
	t.Helper()
	c, err := client.NewClientWithResponses(s.base, client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantStatus fails the test unless an answer of the generated client has the status.
func wantStatus(t *testing.T, what string, got *http.Response, err error, status int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got.StatusCode != status {
		t.Fatalf("%s: status %d, want %d", what, got.StatusCode, status)
	}
}

// TestGeneratedClientWalkThrough runs the README's walk-through with the client generated from
// the OpenAPI document (package client): a resident signs in with a code and accepts the privacy
// notice, files a report and finds it in their list; the ward police's officer accepts, starts
// and resolves it; the resident rates it, which closes it.
func TestGeneratedClientWalkThrough(t *testing.T) {
	t.Parallel()
	x := areaNamed(loadSet(t, "longxuyen-2023"), "Mỹ Bình")
	s := startServer(t, storeKind{name: "sqlite"})
	s.createOfficial("officer", "canbo.client", unitOf(x.code, "cong_an"))
	ctx := t.Context()
	anon := clientAs(t, s, "")

	otp, err := anon.PostAuthOtpWithResponse(ctx, client.PostAuthOtpJSONRequestBody{Phone: "0912600090"})
	wantStatus(t, "request a code", otp.HTTPResponse, err, http.StatusAccepted)
	notice, err := anon.GetPrivacyWithResponse(ctx, nil)
	wantStatus(t, "read the privacy notice", notice.HTTPResponse, err, http.StatusOK)
	signIn, err := anon.PostAuthOtpVerifyWithResponse(ctx, client.PostAuthOtpVerifyJSONRequestBody{Phone: "0912600090",
		Code: s.sms.code("+84912600090"), AcceptPrivacyVersion: &notice.JSON200.Version})
	wantStatus(t, "sign in", signIn.HTTPResponse, err, http.StatusOK)
	resident := clientAs(t, s, signIn.JSON200.AccessToken)

	filed, err := resident.PostTicketsWithResponse(ctx, &client.PostTicketsParams{IdempotencyKey: ptr("walk-through-1")}, client.NewTicket{
		Category: "ANTT.01", Description: "Nhóm thanh niên đánh nhau trước quán karaoke trên đường Hai Bà Trưng.",
		Location: client.LocationInput{Lat: x.lat, Lng: x.lng}, AllowContact: ptr(true)})
	wantStatus(t, "file a report", filed.HTTPResponse, err, http.StatusCreated)
	id := filed.JSON201.Id
	mine, err := resident.GetTicketsWithResponse(ctx, &client.GetTicketsParams{Mine: ptr(true)})
	wantStatus(t, "list my reports", mine.HTTPResponse, err, http.StatusOK)
	if list := mine.JSON200.Tickets; len(list) != 1 || list[0].Id != id {
		t.Fatalf("my reports: %d, want the one filed", len(list))
	}

	login, err := anon.PostAuthLoginWithResponse(ctx, client.PostAuthLoginJSONRequestBody{Username: "canbo.client", Password: consolePassword})
	wantStatus(t, "the officer signs in", login.HTTPResponse, err, http.StatusOK)
	officer := clientAs(t, s, login.JSON200.AccessToken)
	queue, err := officer.GetQueueWithResponse(ctx, &client.GetQueueParams{})
	wantStatus(t, "the officer's queue", queue.HTTPResponse, err, http.StatusOK)
	if list := queue.JSON200.Tickets; len(list) != 1 || list[0].Id != id {
		t.Fatalf("the officer's queue: %d tickets, want the one filed", len(list))
	}
	act := func(c *client.ClientWithResponses, version int, a client.Action) string {
		t.Helper()
		a.ExpectedVersion = ptr(version)
		r, err := c.PostTicketsIdActionsWithResponse(ctx, id, nil, a)
		wantStatus(t, string(a.Action), r.HTTPResponse, err, http.StatusOK)
		return string(r.JSON200.State)
	}
	act(officer, 1, client.Action{Action: "accept"})
	act(officer, 2, client.Action{Action: "start"})
	act(officer, 3, client.Action{Action: "resolve", Outcome: ptr(client.ActionOutcome("fixed")), Note: ptr("Công an phường đã giải tán nhóm thanh niên.")})
	if state := act(resident, 4, client.Action{Action: "rate", Rating: ptr(5)}); state != "closed" {
		t.Errorf("after the rating the report is %s, want closed", state)
	}
}
