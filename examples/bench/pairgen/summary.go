package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
)

// headline is the summary's rows, in order: metric and label.
var headline = [][2]string{
	{"single_all_p50_ms", "1 broadcast: all N delivered, ms"},
	{"single_all_a_p50_ms", "1 broadcast: all on the first server, ms"},
	{"single_all_b_p50_ms", "1 broadcast: all on the second server, ms"},
	{"single_first_a_p50_ms", "1 broadcast: first delivery on the first server, ms"},
	{"single_first_b_p50_ms", "1 broadcast: first delivery on the second server, ms"},
	{"single_server_cpu_ms_per_bcast", "1 broadcast: server CPU ms (both)"},
	{"single_cpu_b_ms_per_bcast", "1 broadcast: second server's CPU ms"},
	{"single_bg_cores", "1 broadcast: other processes' cores (noise)"},
	{"burst_server_cpu_us_per_msg", "burst: server CPU µs / delivered message (both)"},
	{"burst_cpu_b_us_per_msg", "burst: second server's CPU µs / delivered message"},
	{"burst_msgs_per_s", "burst: delivered messages / s"},
	{"burst_bg_cores", "burst: other processes' cores (noise)"},
	{"conns_per_s", "connections / s"},
	{"rss_n_mib", "first server's RSS MiB at N"},
}

// summarize reads results (JSON lines; other lines are skipped) and writes
// a Markdown table: per scenario and metric, each server's median [min–max]
// over its runs, and base's median ÷ each other server's.
func summarize(w io.Writer, base string, files []string) error {
	type key struct{ scenario, server, metric string }
	vals := map[key][]float64{}
	var scenarios, servers []string
	incomplete := map[string]int{}
	for _, path := range files {
		rs, err := readResults(path)
		if err != nil {
			return err
		}
		for _, r := range rs {
			name := r.Server
			if r.Pinned {
				name += " (pinned)"
			}
			if !slices.Contains(servers, name) {
				servers = append(servers, name)
			}
			if !slices.Contains(scenarios, r.Scenario) {
				scenarios = append(scenarios, r.Scenario)
			}
			if !r.Complete {
				incomplete[name+", "+r.Scenario]++
			}
			for m, v := range r.Metrics {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					k := key{r.Scenario, name, m}
					vals[k] = append(vals[k], v)
				}
			}
		}
	}
	if len(servers) == 0 {
		return fmt.Errorf("pairgen: no results in %s", strings.Join(files, ", "))
	}
	if !slices.Contains(servers, base) && slices.Contains(servers, base+" (pinned)") {
		base += " (pinned)"
	}
	if !slices.Contains(servers, base) {
		base = servers[0]
	}
	others := slices.DeleteFunc(slices.Clone(servers), func(s string) bool { return s == base })
	fmt.Fprintf(w, "Cells: median [min–max] (runs). Ratio: %s ÷ the other.\n\n| N | metric |", base)
	for _, s := range servers {
		fmt.Fprintf(w, " %s |", s)
	}
	for _, s := range others {
		fmt.Fprintf(w, " %s ÷ %s |", base, s)
	}
	fmt.Fprintf(w, "\n|---|---|%s\n", strings.Repeat("---|", len(servers)+len(others)))
	for _, sc := range scenarios {
		for _, h := range headline {
			cells, any := "", false
			for _, s := range servers {
				v := vals[key{sc, s, h[0]}]
				if len(v) == 0 {
					cells += " – |"
					continue
				}
				any = true
				cells += fmt.Sprintf(" %s [%s–%s] (%d) |", num(median(v)), num(slices.Min(v)), num(slices.Max(v)), len(v))
			}
			if !any {
				continue
			}
			for _, s := range others {
				b, o := vals[key{sc, base, h[0]}], vals[key{sc, s, h[0]}]
				if len(b) == 0 || len(o) == 0 || median(o) == 0 || strings.HasSuffix(h[1], "(noise)") {
					cells += " – |"
					continue
				}
				cells += fmt.Sprintf(" %.2f× |", median(b)/median(o))
			}
			fmt.Fprintf(w, "| %s | %s |%s\n", strings.TrimPrefix(sc, "fanout n="), h[1], cells)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(incomplete)) {
		fmt.Fprintf(w, "\nWARNING: %s: %d run(s) incomplete (see the notes in the results)\n", k, incomplete[k])
	}
	return nil
}

// readResults reads the result lines of one file.
func readResults(path string) ([]result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rs []result
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r result
		if line := sc.Bytes(); len(line) > 0 && line[0] == '{' && json.Unmarshal(line, &r) == nil && r.Server != "" {
			rs = append(rs, r)
		}
	}
	return rs, sc.Err()
}

// num prints v with three significant figures, without exponent.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}
