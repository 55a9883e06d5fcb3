package tests

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"phananh/handlers"
)

// The contract recorder checks every request the black-box suite sends to the JSON API (/v1)
// that the server accepts, and every answer it gets, against the server's OpenAPI document: a generated client trusts the
// document, so an answer that strays from it is a bug of the server or of the document. The
// mismatches are counted by operation and message, printed when the tests end, and any of them
// fails the run.
var contract struct {
	once       sync.Once
	v          validator.Validator
	err        error
	mu         sync.Mutex // the validator is not known to be safe for concurrent use
	checked    int
	mismatches map[string]int
}

// checkContract validates one exchange and counts its mismatches; reqBody and body are the
// bodies already sent and read.
func checkContract(req *http.Request, reqBody []byte, resp *http.Response, body []byte) {
	if !strings.HasPrefix(req.URL.Path, "/v1/") {
		return
	}
	problems := contractMismatches(req, reqBody, resp, body)
	contract.mu.Lock()
	defer contract.mu.Unlock()
	contract.checked++
	for _, p := range problems {
		contract.mismatches[p]++
	}
}

// contractMismatches validates one exchange against the document: the request when the server
// accepted it (a request it refused is, as often as not, one a test made wrong on purpose) and
// the answer always.
func contractMismatches(req *http.Request, reqBody []byte, resp *http.Response, body []byte) []string {
	contract.once.Do(loadContract)
	if contract.v == nil {
		return nil
	}
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	a := *resp
	a.Body, a.Request = io.NopCloser(bytes.NewReader(body)), r
	contract.mu.Lock()
	defer contract.mu.Unlock()
	validate := contract.v.ValidateHttpRequestResponse
	if resp.StatusCode >= 400 {
		validate = contract.v.ValidateHttpResponse
	}
	var out []string
	if ok, errs := validate(r, &a); !ok {
		for _, e := range errs {
			detail := e.Reason
			for _, se := range e.SchemaValidationErrors {
				detail += " [" + se.FieldPath + ": " + se.Reason + "]"
			}
			out = append(out, fmt.Sprintf("%s %s → %d: %s — %s", req.Method, e.SpecPath, resp.StatusCode, e.Message, detail))
		}
	}
	return out
}

// loadContract builds the validator from the document the server serves.
func loadContract() {
	doc, err := handlers.OpenAPIJSON()
	if err != nil {
		contract.err = err
		return
	}
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		contract.err = err
		return
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		contract.err = errs[0]
		return
	}
	contract.v, contract.mismatches = v, map[string]int{}
}

// TestContractRecorderCatchesMismatches feeds the recorder's validation an answer that strays
// from the document (a number for a string, a field the schema does not have) and one that
// does not: only the first is a mismatch.
func TestContractRecorderCatchesMismatches(t *testing.T) {
	req, err := http.NewRequest("GET", "http://localhost/v1/queue/filters", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer token")
	answer := func(body string) (*http.Response, []byte) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}}, []byte(body)
	}
	good, goodBody := answer(`{"filters":[{"id":"f1","name":"Quá hạn","query":"overdue=true","created_at":"2026-12-04T01:02:03Z"}]}`)
	if got := contractMismatches(req, nil, good, goodBody); len(got) != 0 {
		t.Errorf("an answer that follows the document: %q", got)
	}
	bad, badBody := answer(`{"filters":[{"id":1,"name":"Quá hạn","query":"overdue=true","created_at":"2026-12-04T01:02:03Z","owner":"u1"}]}`)
	if got := contractMismatches(req, nil, bad, badBody); len(got) == 0 {
		t.Error("an answer with a number for the id and an undocumented field passed")
	}
}

// contractReport prints the mismatches and says whether the run must fail: for any mismatch, or
// a document that does not load.
func contractReport() (fail bool) {
	if contract.err != nil {
		fmt.Fprintln(os.Stderr, "OpenAPI contract: the document could not be loaded:", contract.err)
		return true
	}
	if len(contract.mismatches) == 0 {
		if contract.checked > 0 {
			fmt.Fprintf(os.Stderr, "OpenAPI contract: %d exchanges, no mismatch\n", contract.checked)
		}
		return false
	}
	keys := make([]string, 0, len(contract.mismatches))
	for k := range contract.mismatches {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprintf(os.Stderr, "OpenAPI contract: %d exchanges, %d kinds of mismatch:\n", contract.checked, len(keys))
	for _, k := range keys {
		fmt.Fprintf(os.Stderr, "  %5d× %s\n", contract.mismatches[k], k)
	}
	return true
}
