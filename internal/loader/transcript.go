package loader

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"
)

// A terminal transcript is a container, like an archive: a file in which
// shell prompts ("$ ", "# ", "user@host:~$ ", "[root@host ~]# ",
// "root@host:/# ", "PS C:\…> ") each start a command whose output follows.
// It is split where archives are opened, so every command's output is
// detected and parsed as if it had been saved on its own; the command line
// says what the output is (Artifact.Command) and a prompt's host names the
// machine it ran on (Artifact.Host).
//
// Detection is conservative: a file is a transcript only when its first
// line (after the header `script` or PowerShell's Start-Transcript write)
// is a prompt running a command ktriage knows. A log that merely holds a
// "$ " somewhere is never split.

// Origin says where an artifact cut out of a transcript sits in it, so
// evidence can cite the transcript's own file:line.
type Origin struct {
	// File is the transcript's display path.
	File string
	// Offset maps line n of the artifact to line Offset+n of File.
	Offset int
	// Lines, when set, maps line n (1-based) of the artifact to line
	// Lines[n-1] of File: console-wrapped lines were joined back.
	Lines []int32
}

// Line maps a 1-based line of the artifact to the transcript's line.
func (o *Origin) Line(n int) int {
	if o == nil || n <= 0 {
		return n
	}
	if o.Lines != nil {
		if n <= len(o.Lines) {
			return int(o.Lines[n-1])
		}
		return n // past the end: the caller's line is not ours to map
	}
	return o.Offset + n
}

// Cite returns the file and line evidence should name for line n of a.
func (a *Artifact) Cite(n int) (string, int) {
	if a.Origin == nil {
		return a.Path, n
	}
	return a.Origin.File, a.Origin.Line(n)
}

var (
	// [root@host ~]# cmd, [user@host dir]$ cmd
	reBracketPrompt = regexp.MustCompile(`^\[([\w.-]+)@([\w.-]+)(?: [^\]]{0,200})?\][#$] ?(.*)$`)
	// user@host:~$ cmd, root@host:/# cmd, user@host ~ % cmd (zsh)
	reUserHostPrompt = regexp.MustCompile(`^([\w.-]+)@([\w.-]+)(?::[^\s#$]{0,200}| [^\s#$%]{1,200} ?)?[#$%] ?(.*)$`)
	// PS C:\Users\me> cmd
	rePSPrompt = regexp.MustCompile(`^PS [A-Za-z]:\\[^>]{0,200}> ?(.*)$`)
	// $ cmd, # cmd, sh-4.4# cmd, bash-5.1$ cmd: no host, so the command
	// must be one ktriage knows.
	reBarePrompt = regexp.MustCompile(`^(?:(?:ba|z)?sh-[\d.]+)?[#$] (\S.*)$`)
	// script(1) and Start-Transcript headers before the first prompt.
	reTranscriptHeader = regexp.MustCompile(`^(?:Script started on |\*{10,}|Windows PowerShell transcript start|Start time: |Username: |RunAs User: |Configuration Name: |Machine: |Host Application: |Process ID: |PS(?:Version|Edition|Compat|Remoting|Serialization)|BuildVersion: |CLRVersion: |WSManStackVersion: |Transcript started)`)
)

// prompt is one prompt line.
type prompt struct {
	host   string
	cmd    string
	strong bool // names user@host or is PowerShell's: any command counts
}

// parsePrompt reads a prompt from a line (CR stripped). ok is false for a
// line that is output.
func parsePrompt(line string) (prompt, bool) {
	if len(line) == 0 || len(line) > 4096 {
		return prompt{}, false
	}
	switch c := line[0]; {
	case c == '[':
		if m := reBracketPrompt.FindStringSubmatch(line); m != nil {
			return prompt{host: m[2], cmd: strings.TrimSpace(m[3]), strong: true}, true
		}
	case c == '$' || c == '#' || c == 's' || c == 'b' || c == 'z':
		if m := reBarePrompt.FindStringSubmatch(line); m != nil {
			cmd := strings.TrimSpace(m[1])
			if knownCommand(cmd) {
				return prompt{cmd: cmd}, true
			}
			return prompt{}, false
		}
	case c == 'P':
		if m := rePSPrompt.FindStringSubmatch(line); m != nil {
			return prompt{cmd: strings.TrimSpace(m[1]), strong: true}, true
		}
	}
	if strings.IndexByte(line, '@') > 0 {
		if m := reUserHostPrompt.FindStringSubmatch(line); m != nil {
			return prompt{host: m[2], cmd: strings.TrimSpace(m[3]), strong: true}, true
		}
	}
	return prompt{}, false
}

// knownTools are the first words of commands whose output ktriage reads,
// or that support transcripts run around them.
var knownTools = map[string]bool{
	"kubectl": true, "oc": true, "k": true, "microk8s": true, "k3s": true, "minikube": true,
	"iptables-save": true, "ip6tables-save": true, "iptables": true, "ip6tables": true,
	"iptables-legacy-save": true, "iptables-nft-save": true, "nft": true, "ipvsadm": true,
	"ip": true, "ifconfig": true, "route": true, "netstat": true, "nstat": true, "ss": true,
	"sysctl": true, "cat": true, "crictl": true, "docker": true, "journalctl": true,
	"systemctl": true, "tcpdump": true, "conntrack": true, "ethtool": true, "hostname": true,
	"uname": true, "date": true, "curl": true, "dig": true, "nslookup": true, "ping": true,
	"helm": true, "calicoctl": true, "cilium": true, "grep": true, "egrep": true, "watch": true,
}

// firstCommand strips what only wraps a command (sudo, env assignments,
// time, watch, `date;`) and returns the words of the command proper.
func firstCommand(cmd string) []string {
	// `date; netstat -s`, `cd /x && kubectl get …`: the last part that
	// is not bookkeeping is the command.
	parts := splitSeq(cmd)
	var words []string
	for _, p := range parts {
		w := unwrap(strings.Fields(p))
		if len(w) == 0 {
			continue
		}
		switch base(w[0]) {
		case "date", "cd", "echo", "sleep", "export", "clear":
			if words == nil {
				words = w // kept when nothing else follows
			}
			continue
		}
		return w
	}
	return words
}

// splitSeq splits a command line at ; && || outside quotes, and drops
// what follows the first pipe of each part (the producer names the output).
func splitSeq(cmd string) []string {
	var out []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			cur.WriteByte(c)
		case c == ';':
			out = append(out, cur.String())
			cur.Reset()
		case (c == '&' || c == '|') && i+1 < len(cmd) && cmd[i+1] == c:
			out = append(out, cur.String())
			cur.Reset()
			i++
		default:
			cur.WriteByte(c)
		}
	}
	out = append(out, cur.String())
	for i, p := range out {
		if j := pipeAt(p); j >= 0 {
			out[i] = p[:j]
		}
	}
	return out
}

func pipeAt(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '|':
			return i
		}
	}
	return -1
}

func unwrap(w []string) []string {
	for len(w) > 0 {
		switch base(w[0]) {
		case "sudo":
			w = w[1:]
			for len(w) > 0 && strings.HasPrefix(w[0], "-") {
				if w[0] == "-u" && len(w) > 1 {
					w = w[1:]
				}
				w = w[1:]
			}
		case "time", "nohup", "command", "exec":
			w = w[1:]
		case "env":
			w = w[1:]
			for len(w) > 0 && strings.Contains(w[0], "=") {
				w = w[1:]
			}
		case "watch", "timeout":
			w = w[1:]
			for len(w) > 0 && (strings.HasPrefix(w[0], "-") || isNumberish(w[0])) {
				w = w[1:]
			}
		case "chroot":
			if len(w) < 2 {
				return nil
			}
			w = w[2:]
		default:
			if strings.Contains(w[0], "=") && !strings.HasPrefix(w[0], "-") {
				w = w[1:] // VAR=value cmd
				continue
			}
			// microk8s kubectl, k3s kubectl, minikube kubectl --
			if (w[0] == "microk8s" || w[0] == "k3s" || w[0] == "minikube") && len(w) > 1 && w[1] == "kubectl" {
				w = w[1:]
				if len(w) > 1 && w[1] == "--" {
					w = append([]string{w[0]}, w[2:]...)
				}
			}
			return w
		}
	}
	return w
}

func isNumberish(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' && c != 's' && c != 'm' {
			return false
		}
	}
	return s != ""
}

func base(w string) string {
	if i := strings.LastIndexByte(w, '/'); i >= 0 {
		return w[i+1:]
	}
	return w
}

func knownCommand(cmd string) bool {
	w := firstCommand(cmd)
	if len(w) == 0 {
		return false
	}
	b := base(w[0])
	if b == "k" { // the usual alias: only with a kubectl verb after it
		return len(w) > 1 && kubectlVerbs[w[1]]
	}
	return knownTools[b]
}

var kubectlVerbs = map[string]bool{"get": true, "describe": true, "logs": true, "top": true, "cluster-info": true, "events": true}

// commandClass groups consecutive commands whose outputs belong together:
// the same node tool run twice (two `netstat -s` snapshots, several
// `iptables-save | grep` runs) stays one artifact, prompts included, as
// the node parsers read such transcripts whole (snapshots are told apart
// by their prompt and date lines). Kubernetes commands are always their
// own artifact: their output is a document or a table. "" for commands
// that never merge.
func commandClass(cmd string) string {
	w := firstCommand(cmd)
	if len(w) == 0 {
		return ""
	}
	// The tool itself, not its family: iptables-save, iptables-legacy-save
	// and iptables-nft-save are three views a rule compares.
	switch b := base(w[0]); b {
	case "iptables-save", "ip6tables-save", "iptables-legacy-save", "iptables-nft-save", "ss", "sysctl", "ipvsadm", "nft", "ifconfig", "nstat":
		return b
	case "iptables", "ip6tables":
		return b + " " + strings.Join(w[1:], " ")
	case "netstat":
		if strings.Contains(cmd, " -s") {
			return "netstat-s"
		}
		return "netstat"
	case "ip":
		for _, x := range w[1:] {
			if strings.HasPrefix(x, "-") {
				continue
			}
			return "ip-" + x
		}
		return ""
	case "cat":
		if strings.Contains(cmd, "/proc/net/") {
			return "proc-net"
		}
	}
	return ""
}

// segment is one command's output in a transcript.
type segment struct {
	p          prompt
	promptAt   int // 1-based line of the prompt
	first      int // first line of the artifact (prompt line when merged)
	last       int // last line (inclusive); first-1 when empty
	class      string
	withPrompt bool
}

// looksTranscript says whether head starts like a transcript: its first
// non-blank line, past a script/Start-Transcript header, is a prompt whose
// command ktriage knows.
func looksTranscript(head []byte) bool {
	if len(head) == 0 || bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for i := 0; i < 40 && len(head) > 0; i++ {
		var line []byte
		if j := bytes.IndexByte(head, '\n'); j >= 0 {
			line, head = head[:j], head[j+1:]
		} else {
			line, head = head, nil
		}
		s := strings.TrimRight(string(line), "\r \t")
		if s == "" || reTranscriptHeader.MatchString(s) {
			continue
		}
		p, ok := parsePrompt(s)
		return ok && knownCommand(p.cmd)
	}
	return false
}

// maxSegments bounds the artifacts one transcript may become.
const maxSegments = 10_000

// addArtifact records a plain file, or the commands of a transcript.
func (w *walker) addArtifact(a *Artifact) {
	if looksTranscript(a.Head) && w.splitTranscript(a) {
		return
	}
	w.b.Artifacts = append(w.b.Artifacts, a)
}

// splitTranscript cuts a into one artifact per command. It returns false
// when a is better kept whole (a single node tool's runs, which that
// tool's parser reads with their prompts); a then carries the prompt's
// host and command.
func (w *walker) splitTranscript(a *Artifact) bool {
	segs, err := scanTranscript(a)
	if err != nil || len(segs) == 0 {
		return false
	}
	if len(segs) == 1 && segs[0].withPrompt {
		a.Command, a.Host = segs[0].p.cmd, hostOf(segs[0].p)
		if a.Host != "" {
			a.HostFrom = "prompt"
		}
		return false
	}
	f, err := os.Open(a.file)
	if err != nil {
		return false
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	lineNo := 0
	// readLine returns the next line without its ending (\n, \r\n).
	var lineBuf []byte
	readLine := func() ([]byte, bool) {
		lineBuf = lineBuf[:0]
		for {
			frag, isPrefix, err := br.ReadLine()
			if err != nil {
				return nil, false
			}
			if int64(len(lineBuf)) < w.lim.MaxFileSize {
				lineBuf = append(lineBuf, frag...)
			}
			if !isPrefix {
				lineNo++
				return bytes.TrimSuffix(lineBuf, []byte("\r")), true
			}
		}
	}
	for i, s := range segs {
		if w.ctx.Err() != nil {
			return true
		}
		display := w.unique(fmt.Sprintf("%s!%d: %s", a.Path, i+1, clipCommand(s.p.cmd)))
		if !w.countEntry(display) {
			return true
		}
		for lineNo < s.first-1 {
			if _, ok := readLine(); !ok {
				break
			}
		}
		var body [][]byte
		var nums []int32
		for lineNo < s.last {
			l, ok := readLine()
			if !ok {
				break
			}
			body = append(body, bytes.Clone(l))
			nums = append(nums, int32(lineNo))
		}
		origin := &Origin{File: a.Path, Offset: s.first - 1}
		if s.class == "" && wantsUnwrap(s.p.cmd) {
			if jb, jn, ok := unwrapConsole(body, nums); ok {
				body, origin.Lines = jb, jn
			}
		}
		var buf bytes.Buffer
		for _, l := range body {
			buf.Write(l)
			buf.WriteByte('\n')
		}
		seg := w.spoolRaw(display, &buf)
		if seg == nil {
			continue
		}
		seg.Inner = fmt.Sprintf("%s!%d", a.Inner, i+1)
		seg.Containers = a.Containers
		seg.Origin = origin
		seg.Command = s.p.cmd
		if h := hostOf(s.p); h != "" {
			seg.Host, seg.HostFrom = h, "prompt"
		}
		if hf, err := os.Open(seg.file); err == nil {
			head := make([]byte, HeadSize)
			n, _ := io.ReadFull(hf, head)
			seg.Head = head[:n]
			hf.Close()
		}
		w.b.Artifacts = append(w.b.Artifacts, seg)
	}
	return true
}

func hostOf(p prompt) string {
	switch strings.ToLower(p.host) {
	case "", "localhost", "localhost.localdomain":
		return ""
	}
	return p.host
}

func clipCommand(cmd string) string {
	cmd = printable(strings.Join(strings.Fields(cmd), " "))
	if len(cmd) > 100 {
		cut := 100
		for cut > 0 && !utf8.RuneStart(cmd[cut]) {
			cut--
		}
		cmd = cmd[:cut] + "…"
	}
	return cmd
}

// scanTranscript finds the commands. Consecutive commands of one node
// tool merge into one segment that keeps their prompt lines.
func scanTranscript(a *Artifact) ([]segment, error) {
	f, err := os.Open(a.file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var segs []segment
	n := 0
	// the last output line and its number: a session saved to a file
	// usually ends with the next, empty prompt
	var lastText string
	lastAt := 0
	for {
		frag, isPrefix, err := br.ReadLine()
		if err != nil {
			break
		}
		n++
		var s string
		if len(frag) <= 4096 {
			s = strings.TrimRight(string(frag), "\r")
		}
		for isPrefix { // a long line is output, never a prompt
			_, isPrefix, err = br.ReadLine()
			if err != nil {
				break
			}
			s = ""
		}
		p, ok := parsePrompt(s)
		if !ok {
			if len(segs) > 0 {
				segs[len(segs)-1].last = n
			}
			lastText, lastAt = s, n
			continue
		}
		if p.cmd == "" {
			// A bare prompt closes the output before it.
			segs = append(segs, segment{p: p, promptAt: n, first: n + 1, last: n})
			continue
		}
		class := commandClass(p.cmd)
		if k := len(segs) - 1; k >= 0 && class != "" && segs[k].class == class && segs[k].p.host == p.host {
			segs[k].withPrompt = true
			segs[k].last = n
			continue
		}
		// ss and netstat output keeps its prompt line: their readers take
		// the command from it (`ss -lnt | grep :80` prints no header).
		// Other outputs start clean: a prompt line makes iptables-save
		// read as a pasted fragment and ip route not read at all. The
		// host is carried on the artifact either way.
		keep := class == "ss" || class == "nstat" || strings.HasPrefix(class, "netstat")
		segs = append(segs, segment{p: p, promptAt: n, first: n + 1, last: n, class: class, withPrompt: keep})
		if len(segs) > maxSegments {
			return nil, fmt.Errorf("more than %d commands", maxSegments)
		}
	}
	// A bare "$" or "#" is not taken for a prompt inside output (a shell
	// script's comment, a line of a log), but on the file's last line,
	// closing the last command's output, it is the session's final prompt.
	if k := len(segs) - 1; k >= 0 && segs[k].last == lastAt && lastAt == n && isBarePrompt(lastText) {
		segs[k].last--
	}
	out := segs[:0]
	for _, s := range segs {
		if s.p.cmd == "" {
			continue
		}
		if s.withPrompt {
			s.first = s.promptAt
		}
		out = append(out, s)
	}
	return out, nil
}

func isBarePrompt(s string) bool {
	t := strings.TrimSpace(s)
	return t == "$" || t == "#" || t == "%"
}

// wantsUnwrap says whether a command prints a document that a console's
// hard wrap would break (JSON, YAML): only those are rejoined.
func wantsUnwrap(cmd string) bool {
	w := firstCommand(cmd)
	if len(w) < 2 {
		return false
	}
	if b := base(w[0]); b != "kubectl" && b != "oc" && b != "k" {
		return false
	}
	joined := " " + strings.Join(w[1:], " ") + " "
	return strings.Contains(joined, " cluster-info dump ") || strings.Contains(joined, "-o json") ||
		strings.Contains(joined, "-ojson") || strings.Contains(joined, "--output=json") ||
		strings.Contains(joined, "-o=json") || strings.Contains(joined, "-o yaml") ||
		strings.Contains(joined, "-oyaml") || strings.Contains(joined, "--output=yaml") || strings.Contains(joined, "-o=yaml")
}

// unwrapConsole joins lines a console cut at its width when text was
// copied from it: the widest line length W (at least 60 columns) is met
// by several lines and no line is longer, so a line of exactly W
// characters continues on the next. nums are the lines' transcript
// numbers; the result maps each joined line to the first of its parts.
func unwrapConsole(body [][]byte, nums []int32) ([][]byte, []int32, bool) {
	width, atWidth := 0, 0
	for _, l := range body {
		n := utf8.RuneCount(l)
		switch {
		case n > width:
			width, atWidth = n, 1
		case n == width:
			atWidth++
		}
	}
	if width < 60 || width > 1000 || atWidth < 3 {
		return nil, nil, false
	}
	var out [][]byte
	var outNums []int32
	for i := 0; i < len(body); i++ {
		cur := body[i]
		num := nums[i]
		for utf8.RuneCount(cur) >= width && i+1 < len(body) && utf8.RuneCount(cur)%width == 0 {
			i++
			cur = append(cur, body[i]...)
		}
		out = append(out, cur)
		outNums = append(outNums, num)
	}
	return out, outNums, len(out) < len(body)
}

// KubectlCall is a kubectl (or oc) command line taken apart.
type KubectlCall struct {
	Verb          string   // get, logs, describe, top, cluster-info, …
	Args          []string // positional arguments after the verb
	Namespace     string   // -n, --namespace
	AllNamespaces bool     // -A, --all-namespaces
	Container     string   // -c, --container
	Previous      bool     // -p, --previous
	Output        string   // -o, --output
	ShowLabels    bool     // --show-labels
}

// ParseKubectl reads a kubectl or oc command line (as a transcript's
// prompt shows it). ok is false for any other command.
func ParseKubectl(cmd string) (KubectlCall, bool) {
	w := firstCommand(cmd)
	if len(w) < 2 {
		return KubectlCall{}, false
	}
	switch base(w[0]) {
	case "kubectl", "oc", "k", "kubectl.exe", "oc.exe":
	default:
		return KubectlCall{}, false
	}
	var c KubectlCall
	// Flags that take a value, so their value is not taken for a name.
	valued := map[string]bool{"-n": true, "--namespace": true, "-c": true, "--container": true, "-o": true,
		"--output": true, "-l": true, "--selector": true, "--context": true, "--kubeconfig": true,
		"--field-selector": true, "--tail": true, "--since": true, "--since-time": true, "-s": true,
		"--server": true, "--cluster": true, "--user": true, "--sort-by": true, "--request-timeout": true,
		"--limit-bytes": true, "-L": true, "--label-columns": true, "--as": true, "--token": true}
	for i := 1; i < len(w); i++ {
		x := strings.Trim(w[i], `"'`)
		name, val, hasVal := strings.Cut(x, "=")
		if strings.HasPrefix(x, "-") && !strings.HasPrefix(x, "--") && len(x) > 2 && !hasVal {
			// -nkube-system, -oyaml, -c1 forms
			if f := x[:2]; f == "-n" || f == "-o" || f == "-c" {
				name, val, hasVal = f, x[2:], true
			}
		}
		if strings.HasPrefix(x, "-") {
			if valued[name] && !hasVal && i+1 < len(w) {
				i++
				val = strings.Trim(w[i], `"'`)
			}
			switch name {
			case "-n", "--namespace":
				c.Namespace = val
			case "-A", "--all-namespaces":
				c.AllNamespaces = !hasVal || val == "true"
			case "-c", "--container":
				c.Container = val
			case "-p", "--previous":
				c.Previous = !hasVal || val == "true"
			case "-o", "--output":
				c.Output = val
			case "--show-labels":
				c.ShowLabels = !hasVal || val == "true"
			}
			continue
		}
		if c.Verb == "" {
			c.Verb = x
			continue
		}
		c.Args = append(c.Args, x)
	}
	return c, c.Verb != ""
}
