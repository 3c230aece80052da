package chaos

import (
	"context"
	"os"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Tick is the numbered event the servers of a chaos test emit.
type Tick struct {
	N int `json:"n"`
}

// TickEvent is the event the clients count ("tick").
var TickEvent = rtkit.NewEvent[Tick, rtkit.NoAck]("tick")

// NamespaceName is the namespace the chaos clients connect to.
const NamespaceName = "/chaos"

// Namespace returns what a chaos server mounts: every socket joins the
// room "feed", to which the test emits.
func Namespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace(NamespaceName,
		rtkit.WithRoom("feed", rtkit.Anyone),
		rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"feed"} }))
	rtkit.Emits(ns, TickEvent)
	return ns
}

// Default is the size of one chaos invocation against urls: 10 clients,
// each an independent run of 1,000 events 2 ms apart with 10 drops.
// RTKIT_CHAOS_LONG=1 makes every run longer (20 clients, 5,000 events,
// 40 drops).
func Default(polling bool, urls ...string) Config {
	cfg := Config{URLs: urls, Namespace: NamespaceName, Total: 1000, Drops: 10, Clients: 10,
		Polling: polling, Interval: 2 * time.Millisecond}
	if os.Getenv("RTKIT_CHAOS_LONG") != "" {
		cfg.Total, cfg.Drops, cfg.Clients = 5000, 40, 20
	}
	return cfg
}

// Mode is one way the chaos clients connect.
type Mode struct {
	Name    string
	Polling bool
}

// Modes are the modes every chaos test runs: websocket only, and
// long-polling upgraded to websocket.
var Modes = []Mode{{"websocket", false}, {"polling-then-websocket", true}}
