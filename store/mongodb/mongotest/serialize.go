package mongotest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// FerretDB v1 executes an update (update, findAndModify, replace) as a read-modify-write: it
// queries the matching documents, applies the operators in Go and writes the result back by _id,
// with nothing in between that detects a concurrent change. Two concurrent {$inc: {n: 1}} on one
// document can therefore both return the same n, and two compare-and-set replaces on
// {_id, version} can both succeed. MongoDB guarantees that every single-document write is atomic,
// and the store relies on exactly that (it has no transactions to fall back on).
//
// serializer restores that guarantee for tests: a TCP proxy in front of FerretDB that lets one
// command at a time through (request forwarded, response awaited, for all connections under one
// mutex). Each command then runs in isolation, which is at least what MongoDB promises for a
// single document, so the contract suite's concurrency tests check the store's logic rather than
// FerretDB's missing isolation. FerretDB v1 has neither streaming hello (no topologyVersion) nor
// exhaust cursors, so no reply keeps the lock for long. It cannot hide a store bug that needs multi-document isolation:
// MongoDB does not offer that either, and the suite run on MONGODB_TEST_URI is the final word.
type serializer struct {
	upstream string
	ln       net.Listener
	after    func(req []byte) // called with each answered request, before the next one runs
	slowLog  io.Writer        // where commands slower than slowCommand are reported; nil: nowhere

	cmd sync.Mutex // held from forwarding a request until its last response is read

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Wire protocol constants (MongoDB Wire Protocol: standard message header and OP_MSG).
const (
	headerLen       = 16
	opMsg           = 2013
	flagMoreToCome  = 1 << 1
	maxMessageBytes = 64 << 20 // above MongoDB's 48 MB maxMessageSizeBytes
)

// slowCommand is how long a command may hold the proxy before slowLog hears of it: every other
// connection waits behind it, so this is where a test's stalled requests come from.
const slowCommand = time.Second

// startSerializer listens on a free loopback port and forwards to upstream; after, when not nil,
// sees each request once upstream has answered it, while the command lock is still held.
func startSerializer(upstream string, after func(req []byte), slowLog io.Writer) (*serializer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	p := &serializer{upstream: upstream, ln: ln, after: after, slowLog: slowLog, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *serializer) Addr() string { return p.ln.Addr().String() }

func (p *serializer) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // listener closed
		}
		u, err := net.Dial("tcp", p.upstream)
		if err != nil {
			_ = c.Close()
			continue
		}
		if !p.track(c, u) {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c, u)
			p.untrack(c, u)
		}()
	}
}

func (p *serializer) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *serializer) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

// serve relays one client connection until either side closes it.
func (p *serializer) serve(client, upstream net.Conn) {
	for {
		req, err := readMessage(client)
		if err != nil {
			return
		}
		resps, err := p.roundTrip(upstream, req)
		if err != nil {
			return
		}
		for _, r := range resps {
			if _, err := client.Write(r); err != nil {
				return
			}
		}
	}
}

// roundTrip sends one request upstream and reads its responses with the command lock held: none
// for a fire-and-forget request (moreToCome), several for an exhaust reply.
func (p *serializer) roundTrip(upstream net.Conn, req []byte) ([][]byte, error) {
	p.cmd.Lock()
	defer p.cmd.Unlock()
	if p.slowLog != nil {
		defer p.reportSlow(req, time.Now())
	}
	if _, err := upstream.Write(req); err != nil {
		return nil, err
	}
	if moreToCome(req) {
		return nil, nil
	}
	var resps [][]byte
	for {
		r, err := readMessage(upstream)
		if err != nil {
			return nil, err
		}
		resps = append(resps, r)
		if !moreToCome(r) {
			if p.after != nil {
				p.after(req)
			}
			return resps, nil
		}
	}
}

// reportSlow tells slowLog about a command that held the proxy longer than slowCommand.
func (p *serializer) reportSlow(req []byte, began time.Time) {
	if d := time.Since(began); d > slowCommand {
		cmd, db, coll, _ := commandOf(req)
		fmt.Fprintf(p.slowLog, "mongotest: %s on %s.%s held FerretDB for %v\n", cmd, db, coll, d.Round(time.Millisecond))
	}
}

// readMessage reads one whole wire-protocol message, header included.
func readMessage(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.LittleEndian.Uint32(size[:])))
	if n < headerLen || n > maxMessageBytes {
		return nil, errors.New("mongotest: bad wire message length")
	}
	msg := make([]byte, n)
	copy(msg, size[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}

// moreToCome reports whether an OP_MSG says another message follows without a reply in between.
func moreToCome(msg []byte) bool {
	if len(msg) < headerLen+4 || binary.LittleEndian.Uint32(msg[12:16]) != opMsg {
		return false
	}
	return binary.LittleEndian.Uint32(msg[16:20])&flagMoreToCome != 0
}

// Close stops accepting, closes every relayed connection and waits for the relays to end.
func (p *serializer) Close() {
	p.mu.Lock()
	p.closed = true
	_ = p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
