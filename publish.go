package rtkit

import (
	"context"
	"encoding/json"
	"time"
)

// Publisher delivers events to the sockets of servers that run in other
// processes: an emitter for workers, cron jobs and HTTP-only services
// (package adapter provides one over Redis). Implementations must be safe
// for concurrent use.
type Publisher interface {
	// Publish delivers event with its encoded, validated payload to the
	// sockets of namespace in any of rooms (all of the namespace's
	// sockets when rooms is empty), minus those in any room of except.
	Publish(ctx context.Context, namespace string, rooms, except []string, event string, payload json.RawMessage) error
}

// Remote selects sockets of a namespace served by other processes, reached
// through a Publisher. It is a Target: Emit validates the payload against
// the namespace's declared events, exactly as for a served namespace, then
// publishes it. Remote values are immutable.
type Remote struct {
	ns     *Namespace
	pub    Publisher
	rooms  []string
	except []string
}

// Via returns a Target for n's sockets on the servers p reaches. n need not
// be mounted in this process: build it with the same Emits as the servers
// do (sharing the code that declares the namespace keeps them equal).
func (n *Namespace) Via(p Publisher) Remote {
	return Remote{ns: n, pub: p}
}

// To narrows the selection to the sockets in any of rooms.
func (r Remote) To(rooms ...string) Remote {
	r.rooms = append(append([]string(nil), r.rooms...), rooms...)
	return r
}

// Except removes the sockets in any of rooms from the selection.
func (r Remote) Except(rooms ...string) Remote {
	r.except = append(append([]string(nil), r.except...), rooms...)
	return r
}

func (r Remote) selection() (*Namespace, []string, []string, *Socket) {
	return r.ns, r.rooms, r.except, nil
}

// publish validates, encodes and publishes through r's Publisher.
func (r Remote) publish(d *eventDesc, payload any) error {
	b, err := encodeEmit(r.ns, d, payload)
	if err != nil {
		return err
	}
	if d.in.HasBinary() {
		return errBinaryAcrossServers(d)
	}
	o := r.ns.srv.obsOrNil()
	if o == nil {
		return r.pub.Publish(context.Background(), r.ns.name, r.rooms, r.except, d.name, b)
	}
	start := time.Now()
	err = r.pub.Publish(context.Background(), r.ns.name, r.rooms, r.except, d.name, b)
	o.Published(context.Background(), r.ns.name, "publish", time.Since(start), err)
	return err
}
