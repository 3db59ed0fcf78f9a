package kube

import (
	"bufio"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// notableRegexp is the rule the word search replaced, kept to compare.
var notableRegexp = regexp.MustCompile(`(?i)error|EAI_AGAIN|no such host|server misbehaving|name resolution|fail|fatal|panic|refused|denied|timeout|timed out|unable|cannot|can't|couldn't|invalid|exceeded|forbidden|KUBE-|iptables|nftables|ipvs|\bmtu\b|overflow|dropp?ed|unreachable|^[WEF]\d{4} |level=(warn|warning|error|fatal)|"level":"(warn|error|fatal)"`)

// The word search keeps the lines the regexp kept: on every line of the
// real logs beside the repository and on random lines built from the
// words' pieces. (The regexp also folded two non-ASCII letters, the
// Kelvin sign and long s, into k and s; no log spells "kube-" with a
// Kelvin sign.)
func TestNotableMatchesTheRegexp(t *testing.T) {
	c := newLogCollector()
	check := func(line string) {
		if strings.ContainsAny(line, "\u212a\u017f") {
			return
		}
		if got, want := c.notable(line), notableRegexp.MatchString(line); got != want {
			t.Errorf("%q: notable %v, regexp %v", line, got, want)
		}
	}
	var files []string
	for _, g := range []string{"../../../../shared/realworld/*/*", "../../../testdata/dumps/*/bundle/*.log", "../../../testdata/dumps/*/bundle/*/*.log"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	lines := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() && lines < 200000 {
			check(sc.Text())
			lines++
		}
		fh.Close()
	}
	pieces := []string{"E0311 ", "W1234 ", "e0000 ", "F12 ", "mtu", "MTU", "_mtu", "mtu9000", " mtu ", "mtu=", "Mtu1", "droped", "DROPPED", "dro", "pped",
		"level=warn", "level=WARNING", "level=info", `"level":"warn"`, `"level":"info"`, "Kube-", "kube", "time out", "timed out", "can't", "cant",
		"Couldn't", "x", " ", "\t", "é", "ok", "failure", "ERR", "Unreachable", "ipv", "ipvs", "nft", "1", "0"}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for j := r.Intn(6); j >= 0; j-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		check(b.String())
	}
	if lines == 0 {
		t.Log("no real logs found beside the repository; random lines only")
	}
}

func BenchmarkNotable(b *testing.B) {
	line := `I0311 09:14:02.123456       1 server.go:312] app-001 handled request path=/api/v1/items/41234 status=200 duration=12ms`
	c := newLogCollector()
	b.Run("words", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c.notable(line)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			notableRegexp.MatchString(line)
		}
	})
}

// kubectl cluster-info dump writes its own error where a log could not be
// fetched (the real AKS dump in shared/realworld holds such logs.txt
// files): no line of it may be quoted as the container's last words.
func TestRequestLogErrorIsNotALog(t *testing.T) {
	c := newLogCollector()
	c.add(1, `Request log error: an error on the server ("unknown") has prevented the request from succeeding (get pods web-1)`)
	l := c.log()
	if l.NotCollected == "" || len(l.Kept) != 0 {
		t.Errorf("log %+v: want NotCollected and nothing kept", l)
	}
	c = newLogCollector()
	c.add(1, "Request log error: x")
	c.add(2, "a real line")
	if l := c.log(); l.NotCollected != "" || len(l.Kept) != 2 {
		t.Errorf("a real log was taken for kubectl's error: %+v", l)
	}
}
