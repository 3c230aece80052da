// Package wsframing measures the three websocket libraries internal/engine
// could frame with — gorilla/websocket, gobwas/ws and coder/websocket — on
// the two figures that decide an Engine.IO server's cost: CPU and
// allocations per message (reading one masked client frame and writing one
// server frame), and memory and goroutines per idle connection. It is its
// own module so that the losing libraries stay out of rtkit's go.mod.
//
//	cd tools/wsframing
//	go test -run XXX -bench . -benchmem -count 5   # framing, per message
//	go test -run TestIdle -v                       # 1,000 idle connections each
package wsframing
