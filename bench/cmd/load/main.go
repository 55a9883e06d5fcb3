// Command load drives a running phananh server with vegeta (as a library) and prints one line
// of figures per scenario: a trivial Fiber handler first (the ceiling of the HTTP stack on this
// machine), then the statistics summary (unfiltered and for a year filtered by one dimension),
// the officer's queue, the nearby reports, a resident's own reports and ticket intake, each at a
// fixed rate (for the latency targets) and some flat out with a fixed number of workers (for
// throughput, reported as a ratio to the baseline's). It signs in like a client would: residents by OTP, the
// code read from the server's log (SMS_DRIVER=log), an officer by password, and the statistics
// with an API key. While attacking it samples the server's resident memory from /proc.
//
//	go run ./bench/cmd/load -base http://127.0.0.1:8080 -baseline http://127.0.0.1:8081 \
//	    -server-log server.log -server-pid 1234 -officer canbo.bench -password … -stats-key …
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"phananh/geo"
	"phananh/seed"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	base, baseline, serverLog, officer, password, statsKey, only string
	unit, minePhone                                              string
	pid                                                          int
	dur, maxDur                                                  time.Duration
	intakeRate, readRate                                         int
	workers                                                      uint64
	month, year                                                  [2]string
}

// Row is one scenario's figures, also written as JSON lines for run.sh.
type Row struct {
	Name       string  `json:"name"`
	Mode       string  `json:"mode"` // "rate" (fixed arrival rate) or "max" (closed loop)
	Requests   uint64  `json:"requests"`
	Rate       float64 `json:"rate"`       // requests sent per second
	Throughput float64 `json:"throughput"` // successful responses per second
	Success    float64 `json:"success"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	RSSMB      float64 `json:"rss_mb"` // peak server RSS while attacking
	Codes      string  `json:"codes"`
	Errors     string  `json:"errors,omitempty"`
}

func run() error {
	var o options
	flag.StringVar(&o.base, "base", "http://127.0.0.1:8080", "phananh server")
	flag.StringVar(&o.baseline, "baseline", "", "trivial Fiber server (bench/cmd/baseline); empty skips the baseline")
	flag.StringVar(&o.serverLog, "server-log", "", "the server's log file, where SMS_DRIVER=log writes the OTP texts")
	flag.IntVar(&o.pid, "server-pid", 0, "server process id, for its RSS")
	flag.StringVar(&o.officer, "officer", "", "officer username (queue)")
	flag.StringVar(&o.password, "password", "", "officer password")
	flag.StringVar(&o.statsKey, "stats-key", "", "API key with the stats scope")
	flag.DurationVar(&o.dur, "duration", 10*time.Second, "length of each fixed-rate attack")
	flag.DurationVar(&o.maxDur, "max-duration", 5*time.Second, "length of each flat-out attack")
	flag.IntVar(&o.intakeRate, "intake-rate", 2000, "fixed arrival rate of ticket intake, per second")
	flag.IntVar(&o.readRate, "read-rate", 20, "fixed arrival rate of queue and statistics reads, per second")
	flag.Uint64Var(&o.workers, "workers", 32, "concurrent connections of the flat-out attacks")
	flag.StringVar(&o.unit, "unit", "", "unit id (area.kind) the filtered summaries select, with its area; empty skips them")
	flag.StringVar(&o.minePhone, "mine-phone", "0950000000", "phone (local form) of a generated resident whose reports the mine scenario lists")
	flag.StringVar(&o.only, "only", "", "comma list of scenarios to run (baseline,summary,queue,nearby,mine,intake); empty: all")
	jsonOut := flag.String("json", "", "also append the rows as JSON lines to this file")
	flag.Parse()
	now := time.Now().In(time.FixedZone("ICT", 7*3600))
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	o.month = [2]string{first.AddDate(0, -1, 0).Format(time.DateOnly), first.AddDate(0, 0, -1).Format(time.DateOnly)}
	o.year = [2]string{now.AddDate(-1, 0, 1).Format(time.DateOnly), now.Format(time.DateOnly)}

	want := func(name string) bool { return o.only == "" || strings.Contains(","+o.only+",", ","+name+",") }
	var rows []Row
	add := func(r Row) {
		rows = append(rows, r)
		fmt.Printf("%-34s %-4s %7d req %8.0f/s sent %8.0f/s ok  %6.2f%% ok  p50 %7.2f  p90 %7.2f  p99 %7.2f  max %8.2f ms  rss %5.0f MB  %s %s\n",
			r.Name, r.Mode, r.Requests, r.Rate, r.Throughput, 100*r.Success, r.P50, r.P90, r.P99, r.Max, r.RSSMB, r.Codes, r.Errors)
	}

	if err := o.scenarios(want, add); err != nil {
		return err
	}
	if *jsonOut != "" {
		f, err := os.OpenFile(*jsonOut, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		enc := json.NewEncoder(f)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// scenarios runs the scenarios want selects, in order, handing each row to add.
func (o *options) scenarios(want func(string) bool, add func(Row)) error {
	if o.baseline != "" && want("baseline") {
		add(o.attack("baseline: trivial Fiber handler", "max", fixed("GET", o.baseline+"/", nil, nil), 0))
	}
	// Reads before writes, the cheaper before the costlier: a scenario the server cannot keep up
	// with leaves work behind that would slow the next one.
	if want("summary") {
		h := http.Header{"X-API-Key": {o.statsKey}}
		month := fixed("GET", o.base+"/v1/stats/summary?from="+o.month[0]+"&to="+o.month[1], nil, h)
		add(o.attack("GET /v1/stats/summary (month)", "rate", month, o.readRate))
		add(o.attack("GET /v1/stats/summary (month)", "max", month, 0))
		year := fixed("GET", o.base+"/v1/stats/summary?from="+o.year[0]+"&to="+o.year[1], nil, h)
		add(o.attack("GET /v1/stats/summary (year)", "rate", year, o.readRate))
		for _, f := range o.summaryFilters() {
			tr := fixed("GET", o.base+"/v1/stats/summary?from="+o.year[0]+"&to="+o.year[1]+"&"+f[0]+"="+f[1], nil, h)
			add(o.attack("GET /v1/stats/summary (year, "+f[0]+")", "rate", tr, o.readRate))
		}
	}
	if want("queue") {
		tok, err := o.officerToken()
		if err != nil {
			return err
		}
		h := http.Header{"Authorization": {"Bearer " + tok}}
		tr := fixed("GET", o.base+"/v1/queue", nil, h)
		add(o.attack("GET /v1/queue (officer)", "rate", tr, o.readRate))
		add(o.attack("GET /v1/queue (officer)", "max", tr, 0))
	}
	if want("nearby") {
		tr, err := o.nearbyTargeter()
		if err != nil {
			return err
		}
		add(o.attack("GET /v1/tickets/nearby", "rate", tr, o.readRate))
	}
	if want("mine") {
		tok, err := o.residentToken(o.minePhone)
		if err != nil {
			return err
		}
		tr := fixed("GET", o.base+"/v1/tickets?mine=true", nil, http.Header{"Authorization": {"Bearer " + tok}})
		add(o.attack("GET /v1/tickets?mine=true", "rate", tr, o.readRate))
	}
	// Intake last: a write load the server cannot keep up with leaves a queue of writes behind
	// it that would slow the reads measured after it.
	if want("intake") {
		tr, err := o.intakeTargeter()
		if err != nil {
			return err
		}
		add(o.attack("POST /v1/tickets (intake)", "max", tr, 0))
		add(o.attack("POST /v1/tickets (intake)", "rate", tr, o.intakeRate))
	}
	return nil
}

// drain waits until the server answers /healthz quickly again (the work queued by an attack
// is done), at most a minute.
func (o *options) drain() {
	for range 60 {
		start := time.Now()
		resp, err := http.Get(o.base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		if err == nil && time.Since(start) < 20*time.Millisecond {
			return
		}
		time.Sleep(time.Second)
	}
}

// fixed targets one request over and over.
func fixed(method, url string, body []byte, h http.Header) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		*t = vegeta.Target{Method: method, URL: url, Body: body, Header: h}
		return nil
	}
}

// attack runs one scenario: at rate requests per second for o.dur, or with rate 0 flat out
// with o.workers workers for o.maxDur.
func (o *options) attack(name, mode string, tr vegeta.Targeter, rate int) Row {
	opts := []func(*vegeta.Attacker){vegeta.KeepAlive(true), vegeta.Timeout(30 * time.Second)}
	pacer := vegeta.Rate{Freq: rate, Per: time.Second}
	dur := o.dur
	if rate == 0 {
		opts = append(opts, vegeta.Workers(o.workers), vegeta.MaxWorkers(o.workers), vegeta.Connections(int(o.workers)))
		dur = o.maxDur
	}
	atk := vegeta.NewAttacker(opts...)
	var peak atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	if o.pid > 0 && !strings.HasPrefix(name, "baseline") {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if kb := rssKB(o.pid); kb > peak.Load() {
					peak.Store(kb)
				}
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
	}
	var m vegeta.Metrics
	for res := range atk.Attack(tr, pacer, dur, name) {
		m.Add(res)
	}
	m.Close()
	close(stop)
	wg.Wait()
	if m.Success < 1 {
		// Requests the server could not keep up with may still run until its request timeout
		// (10 s by default); let them finish so they do not slow the next scenario.
		time.Sleep(11 * time.Second)
	}
	o.drain()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	var codes []string
	for c, n := range m.StatusCodes {
		codes = append(codes, c+"×"+strconv.Itoa(n))
	}
	r := Row{Name: name, Mode: mode, Requests: m.Requests, Rate: m.Rate, Throughput: m.Throughput, Success: m.Success,
		P50: ms(m.Latencies.P50), P90: ms(m.Latencies.P90), P99: ms(m.Latencies.P99), Max: ms(m.Latencies.Max),
		RSSMB: float64(peak.Load()) / 1024, Codes: strings.Join(codes, ",")}
	if len(m.Errors) > 0 {
		r.Errors = m.Errors[0]
	}
	return r
}

// rssKB reads VmRSS of a process (0 when unknown).
func rssKB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// intakeTargeter signs in a few residents and files reports at random points of the wards in
// random categories, each with its own Idempotency-Key.
func (o *options) intakeTargeter() (vegeta.Targeter, error) {
	var tokens []string
	for i := range 4 {
		tok, err := o.residentToken(fmt.Sprintf("09%08d", 12000000+i))
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, tok)
	}
	cats, err := o.categories()
	if err != nil {
		return nil, err
	}
	points, err := wardPoints(3)
	if err != nil {
		return nil, err
	}
	var n atomic.Uint64
	run := time.Now().UnixNano()
	return func(t *vegeta.Target) error {
		i := n.Add(1)
		p := points[i%uint64(len(points))]
		body, _ := json.Marshal(map[string]any{
			"category":    cats[int(i*7919)%len(cats)],
			"description": "Phản ánh thử tải số " + strconv.FormatUint(i, 10) + ": đèn đường hỏng, rác thải ven đường.",
			"location":    map[string]float64{"lat": p[1], "lng": p[0], "accuracy_m": 10},
			"address":     "Đường thử tải",
		})
		*t = vegeta.Target{Method: "POST", URL: o.base + "/v1/tickets", Body: body, Header: http.Header{
			"Authorization":   {"Bearer " + tokens[i%uint64(len(tokens))]},
			"Content-Type":    {"application/json"},
			"Idempotency-Key": {fmt.Sprintf("load-%d-%d", run, i)},
		}}
		return nil
	}, nil
}

// wardPoints are 2,000 random points inside the wards of the shipped boundary set.
func wardPoints(seedV uint64) ([]orb.Point, error) {
	data, err := seed.BoundaryGeoJSON(seed.DefaultBoundarySet)
	if err != nil {
		return nil, err
	}
	bs, err := geo.Parse(seed.DefaultBoundarySet, data)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seedV, 4))
	b := bs.Bound()
	var points []orb.Point
	for len(points) < 2000 {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		if m := bs.Locate(p[1], p[0], -1); m.Area != nil {
			points = append(points, p)
		}
	}
	return points, nil
}

// nearbyTargeter asks, as a signed-in resident about to file, for the reports of a category
// near random points of the wards.
func (o *options) nearbyTargeter() (vegeta.Targeter, error) {
	tok, err := o.residentToken("0912999999")
	if err != nil {
		return nil, err
	}
	points, err := wardPoints(5)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Authorization": {"Bearer " + tok}}
	cats := []string{"MT", "CS", "GT", "ANTT.01"} // common ones, like the generator's
	var n atomic.Uint64
	return func(t *vegeta.Target) error {
		i := n.Add(1)
		p := points[i%uint64(len(points))]
		url := fmt.Sprintf("%s/v1/tickets/nearby?lat=%.6f&lng=%.6f&category=%s", o.base, p[1], p[0], cats[i%uint64(len(cats))])
		*t = vegeta.Target{Method: "GET", URL: url, Header: h}
		return nil
	}, nil
}

// summaryFilters are the one-dimension filters of the year summaries: the unit given, its area,
// the most common category of the generated tickets and the public security group.
func (o *options) summaryFilters() [][2]string {
	if o.unit == "" {
		return nil
	}
	out := [][2]string{{"unit", o.unit}}
	if parts := strings.Split(o.unit, "."); len(parts) == 3 {
		out = append(out, [2]string{"area", parts[1]})
	}
	return append(out, [2]string{"category", "MT"}, [2]string{"group", "antt"})
}

func (o *options) categories() ([]string, error) {
	var out []struct {
		Code string `json:"code"`
	}
	if err := getJSON(o.base+"/v1/categories", &out); err != nil {
		return nil, err
	}
	var codes []string
	for _, c := range out {
		codes = append(codes, c.Code)
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("no categories")
	}
	return codes, nil
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s %s", url, resp.Status, b)
	}
	// The list may be bare or wrapped in an object.
	if err := json.Unmarshal(b, v); err != nil {
		var wrapped map[string]json.RawMessage
		if json.Unmarshal(b, &wrapped) == nil {
			for _, raw := range wrapped {
				if json.Unmarshal(raw, v) == nil {
					return nil
				}
			}
		}
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

func postJSON(url string, in any) (map[string]any, error) {
	b, _ := json.Marshal(in)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("POST %s: %s %s", url, resp.Status, body)
	}
	var out map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// residentToken signs in by OTP, reading the code from the server log as a developer would.
func (o *options) residentToken(phone string) (string, error) {
	if _, err := postJSON(o.base+"/v1/auth/otp", map[string]string{"phone": phone}); err != nil {
		return "", err
	}
	intl := "+84" + strings.TrimPrefix(phone, "0")
	var code string
	for range 50 {
		if code = lastOTP(o.serverLog, intl); code != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code == "" {
		return "", fmt.Errorf("no OTP for %s in %s", intl, o.serverLog)
	}
	out, err := postJSON(o.base+"/v1/auth/otp/verify", map[string]any{"phone": phone, "code": code, "accept_privacy_version": 1})
	if err != nil {
		return "", err
	}
	tok, _ := out["access_token"].(string)
	return tok, nil
}

// lastOTP finds the last "sms" log line to phone and the 6-digit code in its text.
func lastOTP(path, phone string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	code := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg, Phone, Text string
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "sms" || line.Phone != phone {
			continue
		}
		for i := 0; i+6 <= len(line.Text); i++ {
			if s := line.Text[i : i+6]; strings.Trim(s, "0123456789") == "" && (i == 0 || line.Text[i-1] < '0' || line.Text[i-1] > '9') {
				code = s
				break
			}
		}
	}
	return code
}

func (o *options) officerToken() (string, error) {
	out, err := postJSON(o.base+"/v1/auth/login", map[string]string{"username": o.officer, "password": o.password})
	if err != nil {
		return "", err
	}
	tok, _ := out["access_token"].(string)
	return tok, nil
}
