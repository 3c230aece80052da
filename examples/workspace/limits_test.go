package main

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// otherAddress is a second loopback address: a client that dials from it
// is another client address for the application's limits, while the tests'
// ordinary calls come from 127.0.0.1.
var otherAddress = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}

// clientFrom returns an HTTP client whose connections come from addr.
func clientFrom(addr *net.TCPAddr) *http.Client {
	d := &net.Dialer{LocalAddr: addr, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// Sign-ins and sign-ups are limited per client address. (Seen: 299 wrong
// passwords in 15 s from one client, no 429, and a real sign-in slowed
// from 70 ms to over 1 s.) This test runs with the default limit.
func TestSignInThrottledPerAddress(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"AUTH_RATE_LIMIT": "", "SIGN_IN_ACCOUNT_RATE_LIMIT": ""}) // the defaults
	signUp(t, ta, "ann@example.com")
	var limited response
	for i := range 40 {
		// Another address each time, so that only the address's budget
		// runs out.
		wrong := map[string]any{"email": "nobody" + strconv.Itoa(i) + "@example.com", "password": "wrong password"}
		res := call(t, "POST", ta.URL+"/api/auth/sign-in", "", wrong)
		if res.Status == http.StatusTooManyRequests {
			limited = res
			t.Logf("refused after %d attempts", i+1)
			break
		}
		require.Equal(t, http.StatusUnauthorized, res.Status)
	}
	require.Equal(t, http.StatusTooManyRequests, limited.Status, "40 wrong passwords from one address without a 429")
	assert.Equal(t, "RATE_LIMITED", limited.ErrorCode(t))
	var body struct {
		Error struct {
			RetryAfterMs int64 `json:"retryAfterMs"`
		} `json:"error"`
	}
	limited.Decode(t, &body)
	assert.Positive(t, body.Error.RetryAfterMs)
	secs, err := strconv.Atoi(limited.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After: %q", limited.Header.Get("Retry-After"))
	assert.Positive(t, secs)

	right := map[string]any{"email": "ann@example.com", "password": testPassword}
	assert.Equal(t, http.StatusTooManyRequests, call(t, "POST", ta.URL+"/api/auth/sign-in", "", right).Status,
		"the address waits, whatever it sends")
	assert.Equal(t, http.StatusTooManyRequests, call(t, "POST", ta.URL+"/api/auth/sign-up", "", map[string]any{
		"email": "new@example.com", "password": testPassword, "name": "N"}).Status, "sign-ups count too")
	res := callWith(t, clientFrom(otherAddress), "POST", ta.URL+"/api/auth/sign-in", "", right)
	assert.Equal(t, http.StatusOK, res.Status, "another address is not limited: %s", res.Body)
}

// Sign-ins of one account are limited across addresses, so that guessing
// from many addresses does not multiply the budget; other accounts are
// unaffected. This test runs with the default limit (10 per 15 minutes).
func TestSignInThrottledPerAccount(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SIGN_IN_ACCOUNT_RATE_LIMIT": ""})
	signUp(t, ta, "ann@example.com")
	signUp(t, ta, "bob@example.com")
	other := clientFrom(otherAddress)
	wrong := map[string]any{"email": "ann@example.com", "password": "wrong password"}
	for i := range 10 {
		c := testHTTP
		if i%2 == 1 {
			c = other
		}
		require.Equal(t, http.StatusUnauthorized, callWith(t, c, "POST", ta.URL+"/api/auth/sign-in", "", wrong).Status)
	}
	res := callWith(t, other, "POST", ta.URL+"/api/auth/sign-in", "", map[string]any{"email": " ANN@example.com", "password": testPassword})
	assert.Equal(t, http.StatusTooManyRequests, res.Status, "the account's budget is spent, from any address and spelling")
	assert.Equal(t, "RATE_LIMITED", res.ErrorCode(t))
	res = call(t, "POST", ta.URL+"/api/auth/sign-in", "", map[string]any{"email": "bob@example.com", "password": testPassword})
	assert.Equal(t, http.StatusOK, res.Status, "another account signs in")
}

// Each user may store a bounded number of documents and bytes, and of
// notifications. (Seen: 250 documents of 400 kB and 20,000 notifications
// for one user.) The document count runs with the default quota.
func TestQuotas(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"DOCUMENT_BYTES_QUOTA": "1000", "NOTIFICATION_QUOTA": "4"})
	ann, bob := signUp(t, ta, "ann@example.com"), signUp(t, ta, "bob@example.com")
	docs := ta.URL + "/api/documents"

	for i := range 100 {
		require.Equal(t, http.StatusCreated, call(t, "POST", docs, ann.Token, map[string]any{"title": strconv.Itoa(i)}).Status)
	}
	res := call(t, "POST", docs, ann.Token, map[string]any{"title": "101st"})
	require.Equal(t, http.StatusForbidden, res.Status, "the 101st document: %s", res.Body)
	assert.Equal(t, "QUOTA_EXCEEDED", res.ErrorCode(t))
	var first []map[string]any
	call(t, "GET", docs+"?limit=1", ann.Token, nil).Decode(t, &first)
	require.Equal(t, http.StatusNoContent, call(t, "DELETE", docs+"/"+first[0]["id"].(string), ann.Token, nil).Status)
	assert.Equal(t, http.StatusCreated, call(t, "POST", docs, ann.Token, map[string]any{"title": "after a delete"}).Status)

	text := func(n int) string { return string(make([]byte, n)) }
	res = call(t, "POST", docs, bob.Token, map[string]any{"title": "t", "content": text(899)})
	require.Equal(t, http.StatusCreated, res.Status)
	id := res.JSON(t)["id"].(string)
	res = call(t, "POST", docs, bob.Token, map[string]any{"title": "t", "content": text(101)})
	assert.Equal(t, http.StatusForbidden, res.Status, "over the bytes")
	assert.Equal(t, "QUOTA_EXCEEDED", res.ErrorCode(t))
	assert.Equal(t, http.StatusOK, call(t, "PATCH", docs+"/"+id, bob.Token, map[string]any{"content": text(999)}).Status)
	res = call(t, "PATCH", docs+"/"+id, bob.Token, map[string]any{"content": text(1000)})
	assert.Equal(t, http.StatusForbidden, res.Status, "a PATCH over the bytes")
	assert.Equal(t, "QUOTA_EXCEEDED", res.ErrorCode(t))

	notes := ta.URL + "/api/notifications"
	note := map[string]any{"type": "info", "title": "t", "message": "m"}
	for range 4 {
		require.Equal(t, http.StatusCreated, call(t, "POST", notes, ann.Token, note).Status)
	}
	res = call(t, "POST", notes, ann.Token, note)
	assert.Equal(t, http.StatusForbidden, res.Status)
	assert.Equal(t, "QUOTA_EXCEEDED", res.ErrorCode(t))
	assert.Equal(t, http.StatusCreated, call(t, "POST", notes, bob.Token, note).Status, "another user has a quota of their own")
}

// Lists come in pages: 50 by default, at most 100, the next page named
// by the Link header's cursor. (Seen: one response of 100 MB.)
func TestPagination(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann := signUp(t, ta, "ann@example.com")
	docs := ta.URL + "/api/documents"
	created := map[string]bool{}
	for i := range 60 {
		res := call(t, "POST", docs, ann.Token, map[string]any{"title": strconv.Itoa(i)})
		require.Equal(t, http.StatusCreated, res.Status)
		created[res.JSON(t)["id"].(string)] = true
	}

	var page []map[string]any
	res := call(t, "GET", docs, ann.Token, nil)
	res.Decode(t, &page)
	assert.Len(t, page, 50, "the default page size")
	assert.Contains(t, res.Header.Get("Link"), `rel="next"`)

	// Pages of 7 give every document once, newest first.
	var seen []string
	next := "/api/documents?limit=7"
	for next != "" {
		res := call(t, "GET", ta.URL+next, ann.Token, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s: %s", next, res.Body)
		res.Decode(t, &page)
		require.LessOrEqual(t, len(page), 7)
		for _, d := range page {
			seen = append(seen, d["id"].(string))
		}
		next = linkNext(t, res.Header.Get("Link"))
		require.Less(t, len(seen), 100, "the pages end")
	}
	require.Len(t, seen, 60)
	for _, id := range seen {
		assert.True(t, created[id], "%s once", id)
		delete(created, id)
	}
	var all []map[string]any
	res = call(t, "GET", docs+"?limit=100", ann.Token, nil)
	res.Decode(t, &all)
	assert.Empty(t, res.Header.Get("Link"), "no next page")
	for i := range all {
		assert.Equal(t, all[i]["id"], seen[i], "pages follow the list's order")
	}

	for _, q := range []string{"limit=0", "limit=101", "limit=x", "cursor=nope", "cursor=MTIz"} {
		res := call(t, "GET", docs+"?"+q, ann.Token, nil)
		assert.Equal(t, http.StatusBadRequest, res.Status, q)
		assert.Equal(t, "VALIDATION_ERROR", res.ErrorCode(t), q)
	}

	for range 3 {
		require.Equal(t, http.StatusCreated, call(t, "POST", ta.URL+"/api/notifications", ann.Token,
			map[string]any{"type": "info", "title": "t", "message": "m"}).Status)
	}
	res = call(t, "GET", ta.URL+"/api/notifications?limit=2", ann.Token, nil)
	res.Decode(t, &page)
	assert.Len(t, page, 2)
	res = call(t, "GET", ta.URL+linkNext(t, res.Header.Get("Link")), ann.Token, nil)
	res.Decode(t, &page)
	assert.Len(t, page, 1, "notifications page the same way")
}

// linkNext returns the target of a Link header's rel="next", "" without;
// it fails the test on a header of another form.
func linkNext(t *testing.T, link string) string {
	t.Helper()
	target := linkTarget(link)
	require.True(t, link == "" || target != "", "Link: %s", link)
	return target
}

// linkTarget parses `<target>; rel="next"`; "" for anything else.
func linkTarget(link string) string {
	target, rest, ok := strings.Cut(strings.TrimPrefix(link, "<"), ">")
	if !ok || !strings.HasPrefix(link, "<") || rest != `; rel="next"` {
		return ""
	}
	return target
}

// ctxFor is a context that ends with the test or after d.
func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
