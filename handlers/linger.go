package handlers

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// lingerDelay is how long a connection closed after a refused upload stays half-open; net/http
// waits as long (rstAvoidanceDelay) for the same reason.
const lingerDelay = 500 * time.Millisecond

// Listener wraps ln for the server. An upload refused before its body was read (too large, the
// wrong type, a stale offset) is answered and its connection closed, while the client is still
// sending. Closing a socket with unread bytes makes the kernel send a reset, which can destroy
// the answer in the client's receive buffer before the client reads it: the client sees "broken
// pipe" or "connection reset" instead of a 413 or 409 that says what to do. Such connections
// are closed the way net/http closes them: the write side first, then the whole socket after a
// short delay, so the answer reaches the client.
func Listener(ln net.Listener) net.Listener { return lingerListener{ln} }

type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c}, nil
}

// lingerConn is an accepted connection that closes lingering once marked (closeLingering).
type lingerConn struct {
	net.Conn
	linger atomic.Bool
}

func (c *lingerConn) Close() error {
	tc, ok := c.Conn.(*net.TCPConn)
	if !c.linger.Load() || !ok {
		return c.Conn.Close()
	}
	if err := tc.CloseWrite(); err != nil {
		return tc.Close()
	}
	time.AfterFunc(lingerDelay, func() { _ = tc.Close() })
	return nil
}

// closeLingering makes the connection close after this answer, lingering when it came from
// Listener: the request body was not read to its end.
func closeLingering(c *fiber.Ctx) {
	c.Context().SetConnectionClose()
	if conn, ok := c.Context().Conn().(*lingerConn); ok {
		conn.linger.Store(true)
	}
}
