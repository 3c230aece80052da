package proctest

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitDelay bounds the copying of a process's output after it exited
// (a child of its own may still hold the pipes).
const waitDelay = 2 * time.Second

// Proc is a child process started by a test, which stops it by its PID
// when it ends.
type Proc struct {
	// Name names the process in the test log.
	Name string
	// Cmd is the started command; Cmd.ProcessState is set once Done is
	// closed.
	Cmd *exec.Cmd
	// Output is what the process wrote to its standard error, and to its
	// standard output unless the command came with a writer for it.
	Output *Buffer

	grace    time.Duration // for Terminate
	done     chan struct{}
	err      error     // Wait's result, set before done is closed
	exitedAt time.Time // set before done is closed
}

// Start starts cmd, called name in the test log. Its standard input is a
// pipe held open while it runs, so that a program that watches it
// (-watch-stdin) ends with this process even if the test cleanups never
// run. When the test ends the process is stopped with Terminate, and its
// output is shown if the test failed.
func Start(t testing.TB, name string, cmd *exec.Cmd, grace time.Duration) *Proc {
	t.Helper()
	p := &Proc{Name: name, Cmd: cmd, Output: &Buffer{}, grace: grace, done: make(chan struct{})}
	cmd.Stderr = p.Output
	if cmd.Stdout == nil {
		cmd.Stdout = p.Output
	}
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = waitDelay
	}
	if _, err := cmd.StdinPipe(); err != nil { // closed by Wait
		t.Fatalf("%s: %v", name, err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		p.exitedAt = time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Terminate(t)
		if t.Failed() {
			t.Logf("%s (pid %d) exited: %v; output:\n%s", name, cmd.Process.Pid, p.err, p.Output.String())
		}
	})
	return p
}

// StartListening starts cmd as Start does, with a standard output of its
// own, and waits up to wait for its first line, "listening ADDR" with
// ADDR on 127.0.0.1, which it returns. It fails the test if the process
// exits or prints anything else first, or prints nothing within wait (the
// cleanup of Start then shows the process's output).
func StartListening(t testing.TB, name string, cmd *exec.Cmd, wait, grace time.Duration) (*Proc, string) {
	t.Helper()
	stdout := &Buffer{}
	cmd.Stdout = stdout
	p := Start(t, name, cmd, grace)
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for exited := false; ; {
		if line, _, ok := strings.Cut(stdout.String(), "\n"); ok {
			addr, ok := strings.CutPrefix(line, "listening ")
			if !ok || !strings.HasPrefix(addr, "127.0.0.1:") {
				t.Fatalf("%s: first line %q, want \"listening 127.0.0.1:PORT\"", name, line)
			}
			return p, addr
		}
		if exited {
			t.Fatalf("%s exited before listening: %v", name, p.err)
		}
		select {
		case <-p.done: // the output is complete now: look once more
			exited = true
		case <-deadline.C:
			t.Fatalf("%s did not print its address within %v", name, wait)
		case <-tick.C:
		}
	}
}

// Done is closed once the process has exited and was waited for.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err waits for the process to exit and returns its exit error (nil for
// status 0).
func (p *Proc) Err() error {
	<-p.done
	return p.err
}

// ExitedAt waits for the process to exit and returns when it was seen to.
func (p *Proc) ExitedAt() time.Time {
	<-p.done
	return p.exitedAt
}

// Terminate stops the process with Stop and the grace given to Start,
// unless it already exited; it fails t if the process had to be killed or
// exited with an error after SIGTERM.
func (p *Proc) Terminate(t testing.TB) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	began := time.Now()
	if !p.Stop(p.grace) {
		t.Errorf("%s did not exit within %v of SIGTERM: killed", p.Name, p.grace)
	} else if p.err != nil {
		t.Errorf("%s: exit after SIGTERM: %v", p.Name, p.err)
	}
	t.Logf("%s stopped in %v", p.Name, time.Since(began).Round(time.Millisecond))
}

// Stop sends SIGTERM to the process, by its PID, and SIGKILL if it has
// not exited within grace; it returns once the process was waited for,
// false if it had to be killed.
func (p *Proc) Stop(grace time.Duration) bool {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(grace):
	}
	_ = p.Kill()
	return false
}

// Kill sends SIGKILL to the process, by its PID, waits for it and returns
// its exit error.
func (p *Proc) Kill() error {
	_ = p.Cmd.Process.Kill()
	return p.Err()
}

// Wait waits up to d for the process to exit by itself and returns its
// exit error; it fails the test if the process still runs after d.
func (p *Proc) Wait(t testing.TB, d time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		t.Fatalf("%s still runs %v later", p.Name, d)
		return nil
	}
}
