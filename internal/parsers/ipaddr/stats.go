package ipaddr

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// statsPending is a statistics header of `ip -s link` waiting for its row
// of values on the next line.
type statsPending struct {
	dir  string // rx, tx
	cols []string
	line int
}

// Column names differ between iproute2 versions, -s -s blocks, JSON and
// ifconfig; one name per counter lets rules ask for stats.rx.dropped
// whatever printed it.
var statNames = map[string]string{
	"bytes": "bytes", "packets": "packets", "errors": "errors", "dropped": "dropped",
	"overrun": "overrun", "overruns": "overrun", "over_errors": "overrun",
	"missed": "missed", "missed_errors": "missed",
	"mcast": "mcast", "multicast": "mcast",
	"carrier": "carrier", "carrier_errors": "carrier",
	"collsns": "collisions", "collisions": "collisions",
	"length": "length_errors", "length_errors": "length_errors",
	"crc": "crc_errors", "crc_errors": "crc_errors",
	"frame": "frame_errors", "frame_errors": "frame_errors",
	"fifo": "fifo_errors", "fifo_errors": "fifo_errors",
	"aborted": "aborted_errors", "aborted_errors": "aborted_errors",
	"window": "window_errors", "window_errors": "window_errors",
	"heartbt": "heartbeat_errors", "heartbeat": "heartbeat_errors", "heartbeat_errors": "heartbeat_errors",
	"transns": "carrier_changes", "carrier_changes": "carrier_changes",
	"otherhost": "otherhost", "nohandler": "nohandler", "compressed": "compressed",
}

func statName(col string) string {
	if n, ok := statNames[col]; ok {
		return n
	}
	return col
}

// statsHeader reads "RX: bytes packets errors dropped overrun mcast" (or
// "RX:  bytes packets errors dropped  missed   mcast", "RX errors: length
// crc frame fifo missed").
func (s *scanner) statsHeader(t string, n int) {
	dir := "rx"
	if strings.HasPrefix(t, "TX") {
		dir = "tx"
	}
	_, rest, _ := strings.Cut(t, ":")
	s.stats = statsPending{dir: dir, cols: strings.Fields(rest), line: n}
}

// statsRow reads the row of values under a statistics header.
func (s *scanner) statsRow(t string, n int) bool {
	vals := strings.Fields(t)
	nums := make([]uint64, len(vals))
	approx := false
	for i, v := range vals {
		x, exact, ok := parseCounter(v)
		if !ok {
			return false
		}
		nums[i], approx = x, approx || !exact
	}
	p := s.stats
	s.stats = statsPending{}
	if len(vals) != len(p.cols) {
		s.warn(n, "%d statistics values under %d column names", len(vals), len(p.cols))
	}
	st := s.cur.ensureStats()
	st.Approximate = st.Approximate || approx
	for i := 0; i < len(vals) && i < len(p.cols); i++ {
		st.set(p.dir, statName(p.cols[i]), nums[i])
	}
	return true
}

func (it *Interface) ensureStats() *Stats {
	if it.Stats == nil {
		it.Stats = &Stats{}
	}
	return it.Stats
}

// set keeps the first value of a counter: a second snapshot of the same
// interface in one file does not overwrite the first.
func (st *Stats) set(dir, k string, v uint64) {
	m := &st.RX
	if dir == "tx" {
		m = &st.TX
	}
	if *m == nil {
		*m = map[string]uint64{}
	}
	if _, ok := (*m)[k]; !ok {
		(*m)[k] = v
	}
}

var reHuman = regexp.MustCompile(`^(\d+(?:\.\d+)?)([kKMGTPE])(i?)$`)

// parseCounter reads a counter, also in the human-readable form of ip -h
// ("1.2M", "3Gi"), which is then not exact.
func parseCounter(v string) (uint64, bool, bool) {
	if u, err := strconv.ParseUint(v, 10, 64); err == nil {
		return u, true, true
	}
	m := reHuman.FindStringSubmatch(v)
	if m == nil {
		return 0, false, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false, false
	}
	base := 1000.0
	if m[3] == "i" {
		base = 1024
	}
	f *= math.Pow(base, float64(strings.IndexByte("KMGTPE", strings.ToUpper(m[2])[0])+1))
	if f >= math.MaxUint64 {
		return 0, false, false
	}
	return uint64(f), false, true
}
