package proctest_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/proctest"
)

// childEnv names what the test binary does when a test runs it as a child.
const childEnv = "PROCTEST_CHILD"

// TestMain runs the test binary as a child process when childEnv is set:
// "listen" prints its address line and a log line and exits 0 on SIGTERM;
// "deaf" does the same but ignores SIGTERM; "fail" exits with status 1 on
// SIGTERM; "exit3" prints a line and exits with status 3. Every child also exits when its standard input ends.
func TestMain(m *testing.M) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		os.Exit(m.Run())
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(2)
	}()
	if mode == "exit3" {
		fmt.Println("exiting")
		os.Exit(3)
	}
	term := make(chan os.Signal, 1)
	if mode == "deaf" {
		signal.Ignore(syscall.SIGTERM)
	} else {
		signal.Notify(term, syscall.SIGTERM)
	}
	fmt.Println("listening 127.0.0.1:1234")
	fmt.Fprintln(os.Stderr, "child log line")
	<-term // never, for "deaf"
	if mode == "fail" {
		os.Exit(1)
	}
	os.Exit(0)
}

// child is the test binary run in mode.
func child(mode string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	// Without the race detector's pause at exit, a child exits at once.
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "GORACE=atexit_sleep_ms=0")
	return cmd
}

func TestBufferConcurrentWrites(t *testing.T) {
	var b proctest.Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("x"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, strings.Repeat("x", 800), b.String())
}

func TestStartListeningThenStop(t *testing.T) {
	p, addr := proctest.StartListening(t, "listen", child("listen"), 10*time.Second, 5*time.Second)
	assert.Equal(t, "127.0.0.1:1234", addr)
	require.Eventually(t, func() bool { return strings.Contains(p.Output.String(), "child log line") },
		5*time.Second, 5*time.Millisecond, "standard error is captured")
	select {
	case <-p.Done():
		t.Fatal("the child exited before SIGTERM")
	default:
	}
	began := time.Now()
	assert.True(t, p.Stop(5*time.Second), "the child exits on SIGTERM")
	assert.NoError(t, p.Err())
	assert.Equal(t, 0, p.Cmd.ProcessState.ExitCode())
	assert.False(t, p.ExitedAt().Before(began))
}

func TestStopKillsAfterGrace(t *testing.T) {
	p, _ := proctest.StartListening(t, "deaf", child("deaf"), 10*time.Second, 5*time.Second)
	began := time.Now()
	assert.False(t, p.Stop(300*time.Millisecond), "a child that ignores SIGTERM is killed")
	assert.GreaterOrEqual(t, time.Since(began), 300*time.Millisecond)
	var ee *exec.ExitError
	require.ErrorAs(t, p.Err(), &ee)
	assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())
}

func TestKill(t *testing.T) {
	p, _ := proctest.StartListening(t, "listen", child("listen"), 10*time.Second, 5*time.Second)
	require.Error(t, p.Kill(), "a killed process exits with an error")
	assert.True(t, p.Stop(time.Second), "Stop of an exited process returns at once")
}

func TestWaitForExit(t *testing.T) {
	p := proctest.Start(t, "exit3", child("exit3"), 5*time.Second)
	err := p.Wait(t, 10*time.Second)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 3, ee.ExitCode())
	assert.Equal(t, "exiting\n", p.Output.String(), "standard output goes to Output too")
}

func TestStdinHeldOpen(t *testing.T) {
	p := proctest.Start(t, "listen", child("listen"), 5*time.Second)
	assert.Eventually(t, func() bool { return strings.Contains(p.Output.String(), "listening") },
		5*time.Second, 5*time.Millisecond)
	select {
	case <-p.Done():
		t.Fatal("the child's standard input is held open while it runs")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestBuild(t *testing.T) {
	bin := proctest.Build(t, "./testdata/hello")
	out, err := exec.Command(bin).Output()
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(out))
}

func TestBinaryBuildsOnce(t *testing.T) {
	b := proctest.NewBinary("./testdata/hello")
	require.DirExists(t, b.Dir())
	first := b.Path(t)
	info, err := os.Stat(first)
	require.NoError(t, err)
	assert.Equal(t, first, b.Path(t))
	again, err := os.Stat(first)
	require.NoError(t, err)
	assert.Equal(t, info.ModTime(), again.ModTime(), "the second Path does not build again")
	b.Remove()
	assert.NoDirExists(t, b.Dir())
}

// recorder is a testing.TB that keeps the errors reported to it.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Logf(string, ...any) {}

func TestTerminateReports(t *testing.T) {
	for _, c := range []struct {
		mode  string
		grace time.Duration
		want  []string
	}{
		{"listen", 5 * time.Second, nil},
		{"deaf", 300 * time.Millisecond, []string{"deaf did not exit within 300ms of SIGTERM: killed"}},
		{"fail", 5 * time.Second, []string{"fail: exit after SIGTERM: exit status 1"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			p, _ := proctest.StartListening(t, c.mode, child(c.mode), 10*time.Second, c.grace)
			r := &recorder{TB: t}
			p.Terminate(r)
			select {
			case <-p.Done():
			default:
				t.Fatal("Terminate returns once the process has exited")
			}
			assert.Equal(t, c.want, r.errs)
		})
	}
}
