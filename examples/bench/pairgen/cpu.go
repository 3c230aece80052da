package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// userHZ is the unit of the CPU times in /proc (USER_HZ), 100 on Linux
// whatever the kernel's own tick: server CPU has a 10 ms resolution, so
// the measured phases are sized to use well above that.
const userHZ = 100

// procCPU is the user+system CPU time of every thread of process pid so
// far (fields 14 and 15 of /proc/PID/stat). pid 0 is no process: 0.
func procCPU(pid int) (time.Duration, error) {
	if pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields counted from here start after its last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// procRSS is process pid's resident set size (VmRSS) in KiB; 0 for pid 0.
func procRSS(pid int) (int64, error) {
	if pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(string(f[0]), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// selfCPU is the generator's own user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineBusy is the CPU time every process of the machine spent in user
// and system mode so far (user, nice and system of /proc/stat's "cpu"
// line; interrupts apart), 0 if it cannot be read.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 4 || string(f[0]) != "cpu" {
		return 0
	}
	var ticks int64
	for _, s := range f[1:4] {
		v, _ := strconv.ParseInt(string(s), 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * time.Second / userHZ
}

// meter measures, over one phase, each server's CPU, redis-server's, the
// generator's own, and what every other process of the machine used (the
// noise of neighbours).
type meter struct {
	pids  [3]int // first server, second server, redis-server (0: none)
	cpu0  [3]time.Duration
	gen0  time.Duration
	busy0 time.Duration
	t0    time.Time
}

// usage is what a meter measured.
type usage struct {
	wall   time.Duration
	server [2]time.Duration
	redis  time.Duration
	gen    time.Duration
	// otherCores is the CPU of every other process, in cores (CPU seconds
	// per second of the phase).
	otherCores float64
}

func startMeter(pids [3]int) *meter {
	m := &meter{pids: pids, gen0: selfCPU(), busy0: machineBusy()}
	for i, p := range pids {
		m.cpu0[i], _ = procCPU(p)
	}
	m.t0 = time.Now()
	return m
}

// stop returns what was used since startMeter; a process that cannot be
// read any more (it exited) counts as having used nothing.
func (m *meter) stop() usage {
	u := usage{wall: time.Since(m.t0), gen: selfCPU() - m.gen0}
	var used [3]time.Duration
	for i, p := range m.pids {
		if c, err := procCPU(p); err == nil {
			used[i] = max(c-m.cpu0[i], 0)
		}
	}
	u.server, u.redis = [2]time.Duration{used[0], used[1]}, used[2]
	others := machineBusy() - m.busy0 - used[0] - used[1] - used[2] - u.gen
	if u.wall > 0 && others > 0 {
		u.otherCores = others.Seconds() / u.wall.Seconds()
	}
	return u
}
