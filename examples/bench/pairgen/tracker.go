package main

import (
	"bytes"
	"sync/atomic"
	"time"
)

// A broadcast is numbered by its seq: the generator asks for broadcast s
// with {"seq": s}, and every "notification" carries it back. The tracker
// counts, per broadcast and per server, the sockets that got it and when
// the first and the last of them did; every socket's read loop reports to
// it concurrently.
type tracker struct {
	epoch  time.Time
	want   [2]int32 // sockets on each server
	rounds []round

	burstFrom int   // seqs from here on belong to the burst
	burstWant int64 // deliveries that complete the burst
	burstGot  atomic.Int64
	burstLast atomic.Int64
	burstDone chan struct{}

	stray atomic.Int64 // frames that are no notification of a known broadcast
	extra atomic.Int64 // notifications a socket got again or out of order
}

// round is one broadcast's deliveries. Times are nanoseconds since the
// tracker's epoch; 0 means none yet.
type round struct {
	got   [2]atomic.Int32
	first [2]atomic.Int64
	last  [2]atomic.Int64 // when the server's last socket got it
	total atomic.Int32
	done  chan struct{} // closed when every socket got it
}

// newTracker tracks broadcasts 0..rounds-1, of which those from burstFrom
// on form the burst, for want[0]+want[1] sockets.
func newTracker(want [2]int, rounds, burstFrom int) *tracker {
	t := &tracker{
		epoch:     time.Now(),
		want:      [2]int32{int32(want[0]), int32(want[1])},
		rounds:    make([]round, rounds),
		burstFrom: burstFrom,
		burstWant: int64(want[0]+want[1]) * int64(rounds-burstFrom),
		burstDone: make(chan struct{}),
	}
	for i := range t.rounds {
		t.rounds[i].done = make(chan struct{})
	}
	if t.burstWant == 0 {
		close(t.burstDone)
	}
	return t
}

// now is the time since the epoch, never 0.
func (t *tracker) now() int64 { return int64(time.Since(t.epoch)) + 1 }

// deliver records that a socket of server got event (the raw JSON array).
// last is the socket's own highest seq so far (-1 at first), kept by its
// read loop: one socket gets the broadcasts in the order they were asked
// for, so a seq not above it is a repeat, counted apart and not as a
// delivery.
func (t *tracker) deliver(server int, last *int, event []byte) {
	now := t.now()
	seq, ok := notificationSeq(event)
	if !ok || seq >= len(t.rounds) {
		t.stray.Add(1)
		return
	}
	if seq <= *last {
		t.extra.Add(1)
		return
	}
	*last = seq
	r := &t.rounds[seq]
	got := r.got[server].Add(1)
	if got == 1 {
		r.first[server].Store(now)
	}
	if got == t.want[server] {
		r.last[server].Store(now)
	}
	if r.total.Add(1) == t.want[0]+t.want[1] {
		close(r.done)
	}
	if seq >= t.burstFrom && t.burstGot.Add(1) == t.burstWant {
		t.burstLast.Store(now)
		close(t.burstDone)
	}
}

// allAt is when the last socket got broadcast seq (0 if not all did).
func (t *tracker) allAt(seq int) int64 {
	r := &t.rounds[seq]
	return max(r.last[0].Load(), r.last[1].Load())
}

var (
	notificationPrefix = []byte(`["notification",`)
	seqKey             = []byte(`"seq":`)
)

// maxSeqDigits bounds the seq a frame may carry: more digits cannot be one
// of this run's broadcasts, and would overflow.
const maxSeqDigits = 9

// notificationSeq finds the seq of a "notification" event without decoding
// its JSON: the first "seq": key, followed by a non-negative integer of at
// most maxSeqDigits digits.
func notificationSeq(event []byte) (int, bool) {
	if !bytes.HasPrefix(event, notificationPrefix) {
		return 0, false
	}
	i := bytes.Index(event, seqKey)
	if i < 0 {
		return 0, false
	}
	rest := event[i+len(seqKey):]
	seq, j := 0, 0
	for ; j < len(rest) && rest[j] >= '0' && rest[j] <= '9'; j++ {
		if j == maxSeqDigits {
			return 0, false
		}
		seq = seq*10 + int(rest[j]-'0')
	}
	if j == 0 || j < len(rest) && (rest[j] == '.' || rest[j] == 'e' || rest[j] == 'E') {
		return 0, false
	}
	return seq, true
}
