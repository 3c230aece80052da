package redislog_test

import (
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/redislog"
)

// Every server of the application uses the same Redis for the adapter and
// the delivery log; recovery is then on behind the adapter, and a client
// that reconnects to another server gets exactly what it missed.
func Example() {
	// ContextTimeoutEnabled: the Timeout options end a command against a
	// Redis that hangs on the socket itself (see "Outages").
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	const window = 2 * time.Minute
	srv := rtkit.NewServer(
		rtkit.WithAdapter(adapter.Redis(rdb, adapter.Options{})),
		rtkit.WithRecovery(window),
		rtkit.WithDeliveryLog(redislog.New(rdb, redislog.Options{MaxAge: window + window/4})),
	)
	_ = srv // Mount namespaces, serve srv.Handler(), Shutdown
}

// A worker without a Socket.IO server emits through the log, so that its
// events are logged and replayed like the servers' own.
func ExampleLog_Publish() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	ns := rtkit.NewNamespace("/notifications") // the servers' declarations
	note := rtkit.NewEvent[struct {
		Text string `json:"text"`
	}, rtkit.NoAck]("note")
	rtkit.Emits(ns, note)
	log := redislog.New(rdb, redislog.Options{})
	_ = rtkit.Emit(ns.Via(log).To("user:42"), note, struct {
		Text string `json:"text"`
	}{"hello"})
}
