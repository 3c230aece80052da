package adapter_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// Serve several rtkit servers behind a load balancer: each one uses the
// Redis adapter named by REDIS_URL, the in-memory one without it.
func ExampleFromURL() {
	var a rtkit.Adapter = adapter.Memory()
	if url := os.Getenv("REDIS_URL"); url != "" {
		r, err := adapter.FromURL(url, adapter.Options{Prefix: "workspace"})
		if err != nil {
			log.Fatal(err)
		}
		a = r
	}
	srv := rtkit.NewServer(rtkit.WithAdapter(a))
	srv.Mount(newNamespace())
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	// http.ListenAndServe(":8080", mux); on exit: srv.Shutdown (closes a).
}

// A server that emits many broadcasts in a row: with Pipeline, emits do
// not wait for Redis; what is queued is published as one pipeline.
func ExampleOptions_pipeline() {
	a, err := adapter.FromURL("redis://127.0.0.1:6379", adapter.Options{Prefix: "workspace", Pipeline: true})
	if err != nil {
		log.Fatal(err)
	}
	srv := rtkit.NewServer(rtkit.WithAdapter(a))
	srv.Mount(newNamespace())
	// Serve srv.Handler(); a broadcast that fails to reach Redis is
	// logged, and srv.Health reports the adapter unhealthy.
}

// Emit typed events from a worker that runs no Socket.IO server: declare
// the namespace as the servers do, and reach it through an Emitter.
func ExampleNewEmitter() {
	// ContextTimeoutEnabled: a Redis that hangs fails the publish at
	// Options.Timeout, on the socket itself.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	em := adapter.NewEmitter(rdb, adapter.Options{Prefix: "workspace"})

	notes := newNamespace() // the same declaration as the servers'
	err := rtkit.Emit(notes.Via(em).To("r:42"), noteNew, Note{Text: "build finished", ID: 42})
	if err != nil {
		log.Print(err) // the payload broke the contract, or Redis is unreachable
	}
}

// The in-memory adapter is the default; naming it makes the choice explicit.
func ExampleMemory() {
	srv := rtkit.NewServer(rtkit.WithAdapter(adapter.Memory()), rtkit.WithLogger(quiet()))
	ns := newNamespace()
	srv.Mount(ns)
	ts, err := rtkittest.NewServer(srv)
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	c, err := ts.Connect("/chat", rtkittest.WithAuth(map[string]any{"rooms": "r:1"}))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	in := rtkittest.Listen(c, noteNew)

	if err := rtkit.Emit(ns.To("r:1"), noteNew, Note{Text: "hello", ID: 1}); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := in.Next(ctx)
	fmt.Println(n.Text, n.ID, err)
	fmt.Println(srv.Health(ctx).Adapter.Name)
	// Output:
	// hello 1 <nil>
	// memory
}

// Run the servers on a Redis Cluster, and gather answers from all of them:
// acknowledgements of a room's sockets, counts, server events.
func ExampleRedis_cluster() {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"},
		// ReadOnly stays off: subscriptions on replicas would not be counted.
		ContextTimeoutEnabled: true, // Options.Timeout bounds a hung node
	})
	defer rdb.Close()
	srv := rtkit.NewServer(rtkit.WithAdapter(adapter.Redis(rdb, adapter.Options{Prefix: "workspace"})))
	ns := newNamespace()
	srv.Mount(ns)
	// … serve srv.Handler(), then, from any server:
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	acks, err := rtkit.EmitWithAcks(ctx, ns.To("r:42"), askChat, Question{Q: "still there?"})
	if err != nil {
		// TIMEOUT: some sockets or servers did not answer; acks holds
		// the answers that arrived.
		log.Print(err)
	}
	online, err := ns.To("r:42").Count(ctx)
	log.Print(len(acks), online, err)
}
