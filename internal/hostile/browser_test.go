package hostile_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/internal/hostile"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestCrossSiteHijackInBrowser attacks a cookie-authenticated server from
// a page of another origin of the same site (another port of 127.0.0.1) in
// headless Chromium, with the victim's cookie in the browser:
//
//   - JSONP polling: <script> tags load the handshake and the polls (their
//     answers are scripts, which any page may run and so read), and a
//     no-cors form POST joins the namespace; the victim's private event is
//     then read as it arrives. rtkit refuses JSONP and the page reads
//     nothing.
//   - a websocket, which CORS does not cover: refused.
//   - a credentialed fetch of the handshake: refused, and unreadable.
//
// The control is the same websocket page once its origin is allowed
// (WithCORS): it does read the private event, so a read is detected when
// it happens and the cookie does authenticate from the browser.
func TestCrossSiteHijackInBrowser(t *testing.T) {
	node, chromium, script := browserTools(t)
	const secret = "private-note-7f3a"

	attacker := httptest.NewServer(attackPages())
	t.Cleanup(attacker.Close)
	victim := start(t, func(c *hostile.Config) { c.TokenCookie = "sid" })
	allowing := start(t, func(c *hostile.Config) {
		c.TokenCookie = "sid"
		c.Options = []rtkit.ServerOption{rtkit.WithCORS(attacker.URL)}
	})

	u := user()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for _, s := range []*suite{victim, allowing} {
		wg.Go(func() { s.sayWhenHijacked(ctx, t, u, secret) })
	}

	page := func(kind string, s *suite) string {
		return attacker.URL + "/" + kind + "?" + url.Values{"victim": {s.URL}, "secret": {secret}}.Encode()
	}
	pages := []string{page("jsonp", victim), page("websocket", victim), page("fetch", victim), page("websocket", allowing)}
	cmd := exec.CommandContext(ctx, node, append([]string{script, chromium, victim.URL, "sid", token(u)}, pages...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s", stderr.String())
	results := map[string]attackResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var line struct {
			Page   string       `json:"page"`
			Result attackResult `json:"result"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "line %q", sc.Text())
		results[line.Page] = line.Result
		t.Logf("%s: %+v", line.Page, line.Result)
	}
	require.Len(t, results, len(pages), "every page reported: %s", out)

	jsonp := results[pages[0]]
	assert.False(t, jsonp.Read, "JSONP: the private event was read: %+v", jsonp)
	assert.Empty(t, jsonp.SID, "JSONP: the page got a session id")
	assert.NotEmpty(t, jsonp.Error, "JSONP: the handshake script must fail to load")

	ws := results[pages[1]]
	assert.False(t, ws.Read, "websocket: the private event was read: %+v", ws)
	assert.False(t, ws.Opened, "websocket: opened from a foreign origin")

	fetch := results[pages[2]]
	assert.False(t, fetch.Read, "fetch: %+v", fetch)
	assert.NotEmpty(t, fetch.Error, "fetch: the handshake must not be readable")

	control := results[pages[3]]
	assert.True(t, control.Opened && control.Read, "control: an allowed origin reads the private event over websocket: %+v", control)
}

// attackResult is what an attack page reports.
type attackResult struct {
	SID     string   `json:"sid"`
	Opened  bool     `json:"opened"`
	Read    bool     `json:"read"`
	Packets []string `json:"packets"`
	Error   string   `json:"error"`
}

// sayWhenHijacked waits until user u has a socket on s (the attacker's:
// the victim's own client connects only then), then sends secret to the
// user's room from the victim's own client, as a private notification
// would arrive, every half second until ctx ends.
func (s *suite) sayWhenHijacked(ctx context.Context, t *testing.T, u, secret string) {
	for {
		n := 0
		for sock := range s.srv.Sockets() {
			if p, _ := auth.PrincipalFrom(sock.Context()); p.UserID == u {
				n++
			}
		}
		if n > 0 {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	c, err := s.Connect(hostile.Namespace, rtkittestCookie("sid="+token(u)))
	if err != nil {
		if ctx.Err() == nil {
			t.Errorf("victim's own client: %v", err)
		}
		return
	}
	defer c.Close()
	for ctx.Err() == nil {
		// Sent again until the test ends: the attacker reads at its pace.
		_, _ = rtkittest.Call(ctx, c, hostile.Say, hostile.SayIn{Room: "user:" + u, Text: secret})
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// browserTools returns node, Chromium and the attack driver script, or
// skips (fails under CI or RTKIT_STRICT) when they are missing.
func browserTools(t *testing.T) (node, chromium, script string) {
	t.Helper()
	js := filepath.Join("..", "..", "interop", "js")
	node, err := exec.LookPath("node")
	const browser = "/usr/bin/chromium"
	_, errChromium := os.Stat(browser)
	_, errPlaywright := os.Stat(filepath.Join(js, "node_modules", "playwright-core"))
	if err != nil || errChromium != nil || errPlaywright != nil {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatal("node, Debian's chromium and `npm ci` in interop/js are required (./.ci/test.sh installs them)")
		}
		t.Skip("needs node, Debian's chromium and `npm ci` in interop/js (./.ci/test.sh does all three)")
	}
	return node, browser, filepath.Join(js, "crosssite.mjs")
}

// attackPages serves the attacker's pages. Each reads its target from the
// query ("victim", "secret") and sets window.__result when done.
func attackPages() http.Handler {
	mux := http.NewServeMux()
	for kind, body := range map[string]string{"jsonp": jsonpAttack, "websocket": websocketAttack, "fetch": fetchAttack} {
		mux.HandleFunc("/"+kind, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<!doctype html><title>" + kind + "</title><script>\n" + attackPrelude + body + "</script>"))
		})
	}
	return mux
}

const attackPrelude = `
const q = new URL(location.href).searchParams;
const victim = q.get("victim"), secret = q.get("secret");
const base = victim + "/socket.io/?EIO=4&transport=polling";
const result = { sid: "", opened: false, read: false, packets: [], error: "" };
let finished = false;
function done() { if (!finished) { finished = true; window.__result = result; } }
function saw(data) { result.packets.push(data); if (data.includes(secret)) result.read = true; }
setTimeout(() => { if (!result.error) result.error = "gave up after 20 s"; done(); }, 20000);
`

// jsonpAttack: the handshake and every poll are <script> tags whose
// answers call ___eio[0](data); the CONNECT is a no-cors form POST.
const jsonpAttack = `
// The server fixes the callback at the handshake (___eio[0]): every
// answer of the session calls it, so one script loads at a time.
let deliver = () => {};
window.___eio = [(data) => deliver(String(data))];
let n = 0;
function jsonp(extra) {
  return new Promise((resolve, reject) => {
    deliver = resolve;
    const s = document.createElement("script");
    s.src = base + "&j=0" + extra + "&t=" + Date.now() + "-" + n++;
    s.onerror = () => reject(new Error("script " + s.src + " did not load"));
    document.head.appendChild(s);
  });
}
(async () => {
  try {
    const open = await jsonp("");
    result.sid = JSON.parse(open.slice(open.indexOf("{"))).sid;
    await fetch(base + "&j=0&sid=" + result.sid, {
      method: "POST", mode: "no-cors", credentials: "include",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "d=" + encodeURIComponent("40/app,"),
    });
    const deadline = Date.now() + 15000;
    while (!result.read && Date.now() < deadline) saw(await jsonp("&sid=" + result.sid));
  } catch (e) {
    result.error = String(e);
  }
  done();
})();
`

// websocketAttack opens a websocket, which CORS does not cover, and joins.
const websocketAttack = `
const ws = new WebSocket(victim.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket");
ws.onopen = () => { result.opened = true; };
ws.onmessage = (m) => {
  const d = String(m.data);
  saw(d);
  if (d.startsWith("0{")) ws.send("40/app,");
  if (d === "2") ws.send("3");
  if (result.read) { ws.close(); done(); }
};
ws.onerror = () => { result.error = "websocket error"; };
ws.onclose = () => done();
`

// fetchAttack reads the handshake with the cookie, as CORS would allow if
// the server said so.
const fetchAttack = `
fetch(base, { credentials: "include" })
  .then((r) => r.text()).then((t) => { result.packets.push(t); result.sid = t; })
  .catch((e) => { result.error = String(e); })
  .finally(done);
`
