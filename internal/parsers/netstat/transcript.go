package netstat

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Files often hold a terminal transcript rather than one clean run:
// `date; netstat -s | egrep "listen|LISTEN"` typed twice, with the shell's
// prompt before each. Prompt and date lines are what separates and times the
// snapshots, so they are recognised rather than reported as unknown.

// rePrompt matches a shell prompt ("[root@server ~]# ", "user@host:~$ ",
// "sh-4.2# ", "$ ", "# ") and captures the command after it.
var rePrompt = regexp.MustCompile(`^(?:\[[^\]]{0,120}\]|[\w.@:~/()-]{1,120})?\s?[#$%]\s*(\S.*)$`)

// reTrace matches `set -x` tracing ("+ netstat -s").
var reTrace = regexp.MustCompile(`^\+{1,3} (\S.*)$`)

// reWatch matches the header `watch` prints: "Every 1.0s: CMD   host: DATE".
var reWatch = regexp.MustCompile(`^Every\s+[0-9.]+s:\s+(.*?)\s{2,}(?:\S+:\s+)?(\S.*\S)$`)

// promptCommands are the first words of commands a support transcript
// runs around these outputs; a "# something" line whose first word is not
// one of them is a comment, not a prompt.
var promptCommands = setOf(`date netstat nstat ss cat grep egrep fgrep zgrep watch sysctl for while
	sleep echo kubectl oc crictl docker nsenter ip sh bash timeout awk head tail less more tee
	uptime hostname ls cd sudo env time printf`)

// promptCommand returns the command of a prompt or trace line.
func promptCommand(t string) (string, bool) {
	if strings.HasPrefix(t, "#kernel") || !strings.ContainsAny(t, "#$%+") {
		return "", false // cheap test first: most lines are counters
	}
	var cmd string
	if m := reTrace.FindStringSubmatch(t); m != nil {
		cmd = m[1]
	} else if m := rePrompt.FindStringSubmatch(t); m != nil {
		cmd = m[1]
	} else {
		return "", false
	}
	cmd = strings.TrimSpace(cmd)
	first := strings.Fields(cmd)
	if len(first) == 0 {
		return "", false
	}
	w := strings.TrimRight(first[0], ";")
	if i := strings.LastIndexByte(w, '/'); i >= 0 { // /usr/bin/netstat
		w = w[i+1:]
	}
	if !promptCommands[w] && !strings.Contains(cmd, "netstat") && !strings.Contains(cmd, "/proc/net/") {
		return "", false
	}
	return cmd, true
}

// stamp is the time a date line states.
type stamp struct {
	raw string
	// wall is the clock time as written, held in UTC whatever the zone.
	wall time.Time
	// abs is the instant, valid when known is set (a numeric offset, UTC or
	// GMT, an epoch). A zone abbreviation such as CST names several offsets
	// (China, US Central, Cuba), so it never makes a time absolute.
	abs   time.Time
	known bool
}

// rfc3339 is what a snapshot's "time" says: RFC 3339 when the instant is
// known, else the line as written.
func (s stamp) rfc3339() string {
	if s.known {
		return s.abs.Format(time.RFC3339Nano)
	}
	return s.raw
}

// Layouts tried on a date line with runs of blanks collapsed. The first
// group is `date`'s default in the C and English locales across coreutils
// versions, then `date -R`, `date -Is`/`-Ins`, and common script formats.
//
// Numeric-offset layouts come before their abbreviation twins: Go's "MST"
// also accepts "-05" but then records a zero offset.
var dateLayouts = []string{
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon Jan 2 15:04:05 -07 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 03:04:05 PM MST 2006",
	"Mon 2 Jan 15:04:05 MST 2006",
	"Mon 2 Jan 2006 15:04:05 MST",
	"Mon 2 Jan 2006 03:04:05 PM MST",
	"Mon Jan 2 15:04:05 2006",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// reLooseDate finds year, month, day and clock in lines no layout fits
// (other locales: "2017年 05月 05日 星期五 15:39:58 CST").
var reLooseDate = regexp.MustCompile(`((?:19|20)[0-9]{2})\D{1,4}([01]?[0-9])\D{1,4}([0-3]?[0-9])\D.*?\b([0-2]?[0-9]):([0-5][0-9]):([0-6][0-9])\b`)

var reEpoch = regexp.MustCompile(`^[0-9]{10}(?:\.[0-9]{1,9})?$`)

// reClock finds a clock time; "T10:30:01" (ISO 8601) has no word boundary
// before the hour, so digits are the only thing it may not touch.
var reClock = regexp.MustCompile(`(?:^|[^0-9])[0-2]?[0-9]:[0-5][0-9]:[0-6][0-9](?:[^0-9]|$)`)

// parseStamp reads a line that is only a date (allowing "time:" prefixes
// and ==== decorations scripts put around it).
func parseStamp(line string) (stamp, bool) {
	t := strings.Trim(line, " \t=-*#[]")
	for _, p := range []string{"time:", "date:", "Time:", "Date:", "TIME:", "DATE:"} {
		t = strings.TrimSpace(strings.TrimPrefix(t, p))
	}
	if t == "" || len(t) > 80 {
		return stamp{}, false
	}
	if reEpoch.MatchString(t) {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || f < 946684800 || f >= 4102444800 { // 2000 to 2100
			return stamp{}, false
		}
		sec := int64(f)
		ns := int64((f - float64(sec)) * 1e9)
		abs := time.Unix(sec, ns).UTC()
		return stamp{raw: line, wall: abs, abs: abs, known: true}, true
	}
	if !reClock.MatchString(t) {
		return stamp{}, false
	}
	norm := strings.Join(strings.Fields(t), " ")
	// date -Ins writes a comma before the fraction in some versions.
	if i := strings.IndexByte(norm, 'T'); i == 10 {
		if j := strings.IndexByte(norm, ','); j > i {
			norm = norm[:j] + "." + norm[j+1:]
		}
	}
	for _, layout := range dateLayouts {
		p, err := time.ParseInLocation(layout, norm, time.UTC)
		if err != nil {
			continue
		}
		st := stamp{raw: strings.TrimSpace(line)}
		st.wall = time.Date(p.Year(), p.Month(), p.Day(), p.Hour(), p.Minute(), p.Second(), p.Nanosecond(), time.UTC)
		name, _ := p.Zone()
		hasAbbrev := strings.Contains(layout, "MST")
		hasNumeric := strings.Contains(layout, "-07") || strings.Contains(layout, "Z07")
		switch {
		case hasAbbrev && !hasNumeric:
			switch strings.ToUpper(name) {
			case "UTC", "GMT", "UT", "Z":
				st.abs, st.known = st.wall, true
			}
		case hasNumeric:
			st.abs, st.known = p, true
		}
		return st, true
	}
	if m := reLooseDate.FindStringSubmatch(t); m != nil {
		n := make([]int, 6)
		for i := range n {
			n[i], _ = strconv.Atoi(m[i+1])
		}
		if n[1] >= 1 && n[1] <= 12 && n[2] >= 1 && n[2] <= 31 && n[3] < 24 {
			w := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, time.UTC)
			return stamp{raw: strings.TrimSpace(line), wall: w}, true
		}
	}
	return stamp{}, false
}

// watchHeader reads the first line `watch` prints.
func watchHeader(t string) (cmd string, st stamp, ok bool) {
	if !strings.HasPrefix(t, "Every") {
		return "", stamp{}, false
	}
	m := reWatch.FindStringSubmatch(t)
	if m == nil {
		return "", stamp{}, false
	}
	st, ok = parseStamp(m[2])
	if !ok {
		return "", stamp{}, false
	}
	st.raw = m[2]
	return strings.TrimSpace(m[1]), st, true
}

// reUptime matches what procps' and busybox's `uptime` print:
// " 10:00:01 up 47 days,  3:12,  2 users,  load average: 0.10, 0.20, 0.30"
// (procps-ng proc/whattime.c sprint_uptime; busybox omits the users).
var reUptime = regexp.MustCompile(`^(?:\d{1,2}:\d\d(?::\d\d)?\s+)?up\s+(.+?),\s+(?:\d+\s+users?,\s+)?load averages?:`)

var reUptimePart = regexp.MustCompile(`^(?:(\d+)\s+days?|(\d+):(\d\d)|(\d+)\s+min)$`)

// parseUptime reads an uptime line; false when t is none or its duration
// cannot be read.
func parseUptime(t string) (Uptime, bool) {
	m := reUptime.FindStringSubmatch(strings.TrimSpace(t))
	if m == nil {
		return Uptime{}, false
	}
	var secs int64
	for _, part := range strings.Split(m[1], ",") {
		p := reUptimePart.FindStringSubmatch(strings.TrimSpace(part))
		if p == nil {
			return Uptime{}, false
		}
		n := func(s string) int64 { v, _ := strconv.ParseInt(s, 10, 64); return v }
		switch {
		case p[1] != "":
			secs += n(p[1]) * 86400
		case p[2] != "":
			secs += n(p[2])*3600 + n(p[3])*60
		default:
			secs += n(p[4]) * 60
		}
	}
	return Uptime{Text: strings.Join(strings.Fields(m[1]), " "), Seconds: secs}, true
}
