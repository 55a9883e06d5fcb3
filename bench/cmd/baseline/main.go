// Command baseline serves one trivial Fiber handler (GET / answers "ok"), the ceiling of the
// HTTP stack on the machine: bench/run.sh measures it in the same run as the real endpoints and
// reports their rates as ratios to it. It is a benchmark tool, so it imports Fiber directly
// rather than through handlers.
package main

import (
	"flag"
	"log"

	"github.com/gofiber/fiber/v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	log.Fatal(app.Listen(*addr))
}
