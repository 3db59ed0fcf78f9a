package netstat

import "encoding/json"

// The shapes below are what a node's "netstat" section holds (through
// facts.ToDoc): a list of snapshots, appended per file.

// Counter is one kernel counter as the file states it.
type Counter struct {
	// Value is exact: the integer as written, normalised (no leading zeros),
	// any size int64 or uint64 can hold. Tcp MaxConn is -1 in /proc.
	Value json.Number `json:"value"`
	// Line is the 1-based line that states the value.
	Line int `json:"line"`
	// Text is that line trimmed to at most 240 bytes. For /proc/net/*
	// header+value pairs, where the value line is a row of bare numbers,
	// it names the field instead: "TcpExt ListenOverflows 981 (field 20;
	// names on line 1)".
	Text string `json:"text"`
}

// UnknownLine is a line that held no counter the parser could name. It is
// kept so that nothing in the file is silently lost.
type UnknownLine struct {
	Line int    `json:"line"`
	Text string `json:"text"`
}

// Snapshot is one reading of the counters: one run of netstat -s or nstat,
// or one copy of /proc/net/netstat and /proc/net/snmp.
type Snapshot struct {
	File string `json:"file"`
	// Line is the first line of the snapshot: its prompt or date line when
	// it has one, else its first header or counter line.
	Line int `json:"line"`
	// Time is when the snapshot was taken, from a date line before it: RFC
	// 3339 when the line gives the instant (numeric offset, UTC/GMT, epoch
	// seconds), else the line's text as written (a zone abbreviation such as
	// CST cannot be resolved). Null when the file gives no time.
	Time *string `json:"time"`
	// Elapsed is seconds since the first timed snapshot of the same file,
	// from the clock times as written, so rates work even when the zone is
	// unknown. Null when the snapshot has no time.
	Elapsed *float64 `json:"elapsed"`
	// Source is the format: "netstat-s", "nstat" or "proc".
	Source string `json:"source"`
	// Command is the command a transcript's prompt line shows for the
	// snapshot ("date; netstat -s | egrep \"listen|LISTEN\""), if any.
	Command string `json:"command,omitempty"`
	// Counters maps the kernel's name (TcpExtListenOverflows) to the value.
	Counters map[string]Counter `json:"counters"`
	// Unknown lists lines inside the snapshot that named no counter.
	Unknown []UnknownLine `json:"unknown"`
	// Uptime is what an `uptime` run in the same transcript printed, if
	// any: counters count since boot, and this says how long that is.
	Uptime *Uptime `json:"uptime,omitempty"`
}

// Uptime is the host's time since boot as `uptime` states it.
type Uptime struct {
	// Text is the duration as written ("47 days, 3:12", "5 min").
	Text string `json:"text"`
	// Seconds is that duration (whole minutes: uptime prints no seconds).
	Seconds int64 `json:"seconds"`
	Line    int   `json:"line"`
}

// Parsed is what Read finds in one file.
type Parsed struct {
	Snapshots []Snapshot
	// Warnings are problems worked around: caps reached, cut lines,
	// header/value pairs that disagree, lines kept as unknown.
	Warnings []string
}
