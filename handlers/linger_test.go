package handlers

import (
	"bytes"
	"net"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestLingeringCloseDeliversTheRefusal refuses 8 MB bodies without reading them, as the upload
// routes do, and checks that the client reads every refusal instead of a reset.
func TestLingeringCloseDeliversTheRefusal(t *testing.T) {
	app := fiber.New(fiber.Config{StreamRequestBody: true, DisableStartupMessage: true})
	app.Post("/upload", func(c *fiber.Ctx) error {
		closeLingering(c)
		return c.Status(fiber.StatusRequestEntityTooLarge).SendString("too large")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(Listener(ln)) }()
	t.Cleanup(func() { _ = app.Shutdown() })

	body := bytes.Repeat([]byte{'x'}, 8<<20)
	client := &http.Client{Transport: &http.Transport{}}
	for i := range 30 {
		resp, err := client.Post("http://"+ln.Addr().String()+"/upload", "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Fatalf("request %d: status %d, close %v; want 413 and the connection closed", i, resp.StatusCode, resp.Close)
		}
	}
}
