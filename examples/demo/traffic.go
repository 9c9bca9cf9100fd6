package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Kind is what a demo request is built to do.
type Kind string

// The kinds of request the burst mixes.
const (
	Valid                Kind = "valid"                 // 201: stored, monitor notified
	InvalidAnswer        Kind = "invalid answer"        // 422 from questionnaire, through data-collection; monitor notified
	UnknownQuestionnaire Kind = "unknown questionnaire" // 404 at the gateway's definition fetch
	BadToken             Kind = "bad token"             // 401 at the gateway
)

// Request is one submission the burst sent and what came back.
type Request struct {
	N       int    `json:"n"`        // 1-based position in the burst
	Kind    Kind   `json:"kind"`     // what it was built to do
	Status  int    `json:"status"`   // HTTP status from the gateway
	TraceID string `json:"trace_id"` // from the response's traceparent
	Sampled bool   `json:"sampled"`  // the gateway's sampling decision, from the same header
}

// Failed reports whether the gateway answered with an error.
func (r Request) Failed() bool { return r.Status >= 400 }

// kindOf spreads failures through the burst deterministically.
func kindOf(n int) Kind {
	switch {
	case n%4 == 3:
		return InvalidAnswer
	case n%11 == 7:
		return UnknownQuestionnaire
	case n%13 == 9:
		return BadToken
	}
	return Valid
}

// submission builds the body and token of request n of kind k.
func submission(n int, k Kind) (body []byte, token string) {
	q, items := "phq-9", 9
	if n%2 == 0 {
		q, items = "gad-7", 7
	}
	answers := make([]int, items)
	for i := range answers {
		answers[i] = (n + i) % 4
	}
	token = "demo-patient-token"
	switch k {
	case InvalidAnswer:
		answers[items/2] = 7 // the scale is 0..3
	case UnknownQuestionnaire:
		q = "sf-36"
	case BadToken:
		token = "expired-token"
	}
	body, _ = json.Marshal(map[string]any{
		"patient_id":       fmt.Sprintf("P-%04d", 1000+n),
		"questionnaire_id": q,
		"answers":          answers,
	})
	return body, token
}

// send posts request n to the gateway and reads the trace it got.
func send(ctx context.Context, client *http.Client, gateway string, n int) (Request, error) {
	k := kindOf(n)
	body, token := submission(n, k)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gateway+"/v1/submissions", bytes.NewReader(body))
	if err != nil {
		return Request{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return Request{}, fmt.Errorf("demo: request %d: %w", n, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r := Request{N: n, Kind: k, Status: resp.StatusCode}
	// traceparent: 00-<trace id>-<span id>-<flags>
	if parts := strings.Split(resp.Header.Get("Traceparent"), "-"); len(parts) == 4 && len(parts[1]) == 32 {
		r.TraceID, r.Sampled = parts[1], parts[3] == "01"
	}
	return r, nil
}

// burst sends at least min requests, and goes on up to max until one
// invalid-answer request (the failure that crosses all four services) was
// sampled and one request was not.
func burst(ctx context.Context, gateway string, min, max int) ([]Request, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	var reqs []Request
	var failedSampled, unsampled bool
	for n := 1; n <= max; n++ {
		if n > min && failedSampled && unsampled {
			break
		}
		r, err := send(ctx, client, gateway, n)
		if err != nil {
			return reqs, err
		}
		if r.TraceID == "" {
			return reqs, fmt.Errorf("demo: request %d: the gateway's response has no traceparent header", n)
		}
		reqs = append(reqs, r)
		failedSampled = failedSampled || (r.Kind == InvalidAnswer && r.Sampled)
		unsampled = unsampled || !r.Sampled
	}
	if !failedSampled || !unsampled {
		return reqs, fmt.Errorf("demo: after %d requests no sampled failing request and unsampled request both", len(reqs))
	}
	return reqs, nil
}
