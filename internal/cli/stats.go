package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/report"
)

// printStats writes what --stats promises: where the time went and the
// most memory the process held (its own VmHWM, which a parent's rusage
// cannot be trusted for).
func printStats(w io.Writer, p *analyze.Parsed, r *report.Report, load, compile, parse, rules time.Duration) {
	var bytes int64
	for _, a := range p.Bundle.Artifacts {
		bytes += a.Size
	}
	ids := make([]string, 0, len(r.RuleTimes))
	for id := range r.RuleTimes {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return r.RuleTimes[ids[i]] > r.RuleTimes[ids[j]] })
	var per []string
	for _, id := range ids {
		per = append(per, fmt.Sprintf("%s %s", id, r.RuleTimes[id].Round(time.Millisecond)))
	}
	fmt.Fprintf(w, "ktriage: %d files, %.1f MB: read rules %s, read and parse %s, evaluate %s (compile rules %s, %s); peak memory %s\n",
		len(p.Bundle.Artifacts), float64(bytes)/1e6, load.Round(time.Millisecond), parse.Round(time.Millisecond),
		rules.Round(time.Millisecond), compile.Round(time.Millisecond), strings.Join(per, ", "), peakMemory())
}

func peakMemory() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return fmt.Sprintf("%.0f MB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}
