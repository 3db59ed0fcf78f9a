package redact

import (
	"encoding/base64"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Marker replaces a secret whose key names it (DB_PASSWORD=[REDACTED]);
// secrets found by their shape say what they were ([REDACTED:jwt]).
const Marker = "[REDACTED]"

func kindMarker(kind string) string { return "[REDACTED:" + kind + "]" }

var (
	// secretWords name a secret as a whole word of a key (DB_PASSWORD,
	// --token, clientSecret).
	secretWords = set("password", "passwd", "passphrase", "secret", "token",
		"apikey", "credential", "credentials", "creds", "privatekey", "accesskey",
		"secretkey", "dockerconfigjson", "dockercfg", "sessionid")
	// strongWords also do at the end of a word, for names written without
	// separators (PGPASSWORD, ACCESSTOKEN).
	strongWords = []string{"password", "passwd", "passphrase", "secret", "token", "apikey",
		"privatekey", "accesskey", "secretkey", "credential", "credentials"}
	// weakWords name a secret only as the last word: REGISTRY_PASS and
	// x-auth do, passMark=0x20000, --auth-local and etcd's auth_revision
	// do not.
	weakWords = set("pass", "pwd", "auth", "cookie")
	// secretPairs are two words that together name a secret (API_KEY,
	// client-key-data, AccountKey=…).
	secretPairs = set("api key", "access key", "secret key", "private key", "client key",
		"tls key", "encryption key", "signing key", "account key", "master key", "shared key",
		"id rsa", "id ecdsa", "id ed25519")
	// A key whose last word is one of these holds something about a
	// secret, not the secret: secretName, token-ttl, --token-auth-file,
	// --authorization-mode, automountServiceAccountToken (a boolean anyway).
	notSecretLast = set("file", "files", "path", "paths", "dir", "directory", "ref", "name",
		"names", "type", "mode", "ttl", "timeout", "expiry", "expiration", "expires", "seconds",
		"secs", "length", "len", "size", "count", "enabled", "disabled", "required", "provider",
		"policy", "source", "method", "strategy", "url", "uri", "endpoint", "host", "port",
		"server", "user", "username", "kind", "version", "format", "algorithm", "plugin",
		"header", "id", "rotation", "period", "interval", "lifetime", "duration", "audience",
		"audiences", "issuer", "namespace", "field", "webhook", "config", "volume", "mount")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// secretName reports whether a key or variable name says its value is a
// secret. Names are split into words at separators and case changes
// (clientSecret, CLIENT_SECRET, client-secret all read "client secret").
func secretName(name string) bool {
	w := words(name)
	if len(w) == 0 || notSecretLast[w[len(w)-1]] {
		return false
	}
	if len(w) == 1 && w[0] == "pwd" {
		// The shell's PWD is a directory; absolute paths are never
		// redacted anyway, but "PWD=." or "PWD=~" should stay too.
		return !strings.EqualFold(name, "PWD") && !strings.EqualFold(name, "OLDPWD")
	}
	if weakWords[w[len(w)-1]] {
		return true
	}
	for i, x := range w {
		if secretWords[x] {
			return true
		}
		for _, s := range strongWords {
			if len(x) > len(s) && strings.HasSuffix(x, s) {
				return true
			}
		}
		if i > 0 && secretPairs[w[i-1]+" "+x] {
			return true
		}
	}
	return false
}

// words splits a name into lower-case words: at anything not a letter or
// digit, between a lower-case letter and an upper-case one, at the end of
// an acronym (APIKey: api key), and between letters and digits.
func words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 {
			prev := cur[len(cur)-1]
			switch {
			case unicode.IsDigit(r) != unicode.IsDigit(prev):
				flush()
			case unicode.IsUpper(r) && unicode.IsLower(prev):
				flush()
			case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// redactable says whether a value found next to a secret key is a secret
// rather than nothing (empty, a boolean, null), something already hidden,
// a reference to where the secret lives (an env reference, a template, a
// file path) or a structure whose own keys are judged one by one.
func redactable(v string) bool {
	v = strings.TrimSpace(v)
	if !strings.ContainsFunc(v, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return false // empty, or punctuation such as the "," of "client-key=, ca=…"
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "null", "nil", "none", "~", "-",
		"<redacted>", "redacted", "<none>", "<nil>", "*", "***", "****", "xxx", "xxxx",
		"|", "|-", "|+", ">", ">-", ">+":
		return false
	}
	switch {
	case strings.HasPrefix(v, "[REDACTED"),
		strings.HasPrefix(v, "$(") || strings.HasPrefix(v, "${") || strings.HasPrefix(v, "{{"),
		v[0] == '$' && len(v) > 1 && (isAlpha(v[1]) || v[1] == '_'),
		v[0] == '[' || v[0] == '{' || v[0] == '&' || v[0] == '*',
		v[0] == '<' && v[len(v)-1] == '>',
		isPath(v):
		return false
	}
	return true
}

// rePath is an absolute path of two parts or more; base64 can start with a
// slash too, so a path must not look random.
var rePath = regexp.MustCompile(`^(?:/[\w.@-]+){2,}/?$`)

func isPath(v string) bool { return rePath.MatchString(v) && !looksRandom(v) }

// span is a part of a string to replace.
type span struct {
	start, end int
	with       string
}

// applySpans replaces the spans. Overlapping spans merge into one, with
// the first one's replacement: two readings of one value (key=value and
// key: value) must hide the longer.
func applySpans(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		last := &merged[len(merged)-1]
		if sp.start < last.end {
			last.end = max(last.end, sp.end)
			continue
		}
		merged = append(merged, sp)
	}
	var b strings.Builder
	last := 0
	for _, sp := range merged {
		b.WriteString(s[last:sp.start])
		b.WriteString(sp.with)
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// valueAt returns the span of the value that starts at i: inside its quotes
// when quoted (plain or JSON-escaped, as in a JSON string holding JSON),
// otherwise up to the first byte stop accepts or the end of the line.
func valueAt(s string, i int, stop func(byte) bool) (int, int) {
	eol := strings.IndexByte(s[i:], '\n')
	if eol < 0 {
		eol = len(s)
	} else {
		eol += i
	}
	switch {
	case strings.HasPrefix(s[i:], `\"`):
		if k := strings.Index(s[i+2:eol], `\"`); k >= 0 {
			return i + 2, i + 2 + k
		}
		return i + 2, eol
	case i < eol && (s[i] == '"' || s[i] == '\''):
		q := s[i]
		for k := i + 1; k < eol; k++ {
			if s[k] == '\\' && q == '"' {
				k++
				continue
			}
			if s[k] == q {
				return i + 1, k
			}
		}
		return i + 1, eol
	}
	k := i
	for k < eol && !stop(s[k]) {
		k++
	}
	// "client-cert-auth = true, crl-file = …": the comma ends the value.
	for k > i && (s[k-1] == ',' || s[k-1] == ';') {
		k--
	}
	return i, k
}

// Where an unquoted value ends: inline (key=value, flags, values in the
// middle of a line) at blanks and the characters that end a token in
// shells, URLs and JSON; a YAML block value at a comment.
func inlineStop(c byte) bool {
	return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\\' || c == '&' || c == ';' || c == '`' || c == '<' || c == '>'
}

func flowStop(c byte) bool { return inlineStop(c) || c == ',' || c == '}' || c == ']' }

var (
	// KEY=value, --flag=value, ?token=… in URLs, Password=…; in
	// connection strings, "key = value" in sysctl -a and INI files.
	reKeyEq = regexp.MustCompile(`(?:^|[^\w.-])-{0,2}([A-Za-z_][\w.-]*)[ \t]*=[ \t]*`)
	// "key": value (JSON, or JSON escaped inside a JSON string).
	reJSONKey = regexp.MustCompile(`\\?"([A-Za-z_][\w.-]*)\\?"\s*:\s*`)
	// key: value (YAML, logs, HTTP headers). Group 1 is the indentation
	// when the key starts its line, so the value runs to the end of it.
	reColonKey = regexp.MustCompile(`(?m)(?:(^[ \t]*(?:-[ \t]+)?)|[\s{,(\[])([A-Za-z_][\w.-]*):[ \t]*`)
	// --flag value.
	reFlagSpace = regexp.MustCompile(`(?:^|\s)--?([A-Za-z][\w-]*)[ \t]+`)
	// {"name": "DB_PASSWORD", "value": "…"} on one line, JSON or YAML flow.
	reNameValue = regexp.MustCompile(`\\?"?\bname\\?"?\s*:\s*\\?"?([A-Za-z_][\w.-]*)\\?"?\s*,\s*\\?"?value\\?"?\s*:\s*`)
	reValueName = regexp.MustCompile(`\\?"?\bvalue\\?"?\s*:\s*("(?:[^"\\\n]|\\.)*"|[^\s,}"]+)\s*,\s*\\?"?name\\?"?\s*:\s*\\?"?([A-Za-z_][\w.-]*)`)

	reAuthz  = regexp.MustCompile(`(?i)\b(?:proxy-)?authorization\\?"?\s*[:=]\s*\\?"?([A-Za-z][\w-]*)[ \t]+([^\s"'\\,;]+)`)
	reBearer = regexp.MustCompile(`(?i)\bbearer[ \t]+([A-Za-z0-9._~+/-]{12,}=*)`)
	reBasic  = regexp.MustCompile(`(?i)\bbasic[ \t]+([A-Za-z0-9+/]{8,}={0,2})`)
	reURL    = regexp.MustCompile(`\b([A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s:/?#@"'<>\[\]]*):([^\s/?#@"'<>]+)@`)

	rePEMBegin = regexp.MustCompile(`-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----`)
	rePEMEnd   = regexp.MustCompile(`-----END [A-Z0-9 ]*-----`)

	// Tokens recognised by their shape; a regexp runs only on text that
	// holds one of its hints.
	shapes = []struct {
		kind  string
		hints []string
		re    *regexp.Regexp
	}{
		{"jwt", []string{"eyJ"}, regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*`)},
		{"aws-access-key", []string{"AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA", "ASCA"},
			regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b`)},
		{"github-token", []string{"gh", "github_pat_"}, regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b`)},
		{"gitlab-token", []string{"glpat-"}, regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`)},
		{"slack-token", []string{"xox"}, regexp.MustCompile(`\bxox[abposre]-[A-Za-z0-9-]{10,}`)},
		{"slack-webhook", []string{"hooks.slack.com"}, regexp.MustCompile(`\bhooks\.slack\.com/services/[A-Za-z0-9/_-]+`)},
		{"google-api-key", []string{"AIza"}, regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},
		{"stripe-key", []string{"k_live_", "k_test_"}, regexp.MustCompile(`\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}`)},
		{"npm-token", []string{"npm_"}, regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`)},
	}

	// Every secret key name holds one of these (lower-cased), so text
	// without any has no key and value to look at.
	nameStems = []string{"pass", "pwd", "secret", "token", "key", "auth", "cred", "cookie", "dockercfg", "dockerconfigjson", "sessionid"}

	reEntropyToken = regexp.MustCompile(`[A-Za-z0-9+/_=-]{40,}`)
)

// redactSecrets hides the secrets in s (see the package comment for what
// is found and what is not).
func redactSecrets(s string) string {
	if s == "" {
		return s
	}
	lower := strings.ToLower(s)
	if strings.Contains(s, "-----BEGIN ") {
		s = redactPEM(s)
	}
	if strings.Contains(s, "://") && strings.Contains(s, "@") {
		s = replaceGroup(s, reURL, 2, Marker)
	}
	if strings.Contains(lower, "authorization") {
		s = replaceGroup(s, reAuthz, 2, Marker)
	}
	if strings.Contains(lower, "bearer") {
		s = replaceGroup(s, reBearer, 1, Marker)
	}
	if strings.Contains(lower, "basic") {
		s = redactBasic(s)
	}
	for _, sh := range shapes {
		for _, h := range sh.hints {
			if strings.Contains(s, h) {
				s = sh.re.ReplaceAllLiteralString(s, kindMarker(sh.kind))
				break
			}
		}
	}
	s = applySpans(s, keyValueSpans(s, nil))
	return redactEntropy(s)
}

func hasNameStem(lower string) bool {
	for _, st := range nameStems {
		if strings.Contains(lower, st) {
			return true
		}
	}
	return false
}

// keyValueSpans finds values of secret keys in s. With learn set, it also
// passes each value to it.
func keyValueSpans(s string, learn func(string)) []span {
	if !hasNameStem(strings.ToLower(s)) {
		return nil
	}
	var spans []span
	add := func(a, b int) {
		if a < b && redactable(s[a:b]) {
			spans = append(spans, span{a, b, Marker})
			if learn != nil {
				learn(strings.TrimSpace(s[a:b]))
			}
		}
	}
	for _, m := range reNameValue.FindAllStringSubmatchIndex(s, -1) {
		if secretName(s[m[2]:m[3]]) {
			add(valueAt(s, m[1], flowStop))
		}
	}
	for _, m := range reValueName.FindAllStringSubmatchIndex(s, -1) {
		if secretName(s[m[4]:m[5]]) {
			a, b := m[2], m[3]
			if s[a] == '"' {
				a, b = a+1, b-1
			}
			add(a, b)
		}
	}
	for _, m := range reJSONKey.FindAllStringSubmatchIndex(s, -1) {
		if secretName(s[m[2]:m[3]]) {
			add(valueAt(s, m[1], flowStop))
		}
	}
	for _, m := range reKeyEq.FindAllStringSubmatchIndex(s, -1) {
		if secretName(s[m[2]:m[3]]) {
			add(valueAt(s, m[1], inlineStop))
		}
	}
	for _, m := range reColonKey.FindAllStringSubmatchIndex(s, -1) {
		if !secretName(s[m[4]:m[5]]) || m[1] < len(s) && s[m[1]] == '/' {
			continue // key://… is a URL's scheme
		}
		if m[2] >= 0 {
			// A YAML block line: the value is the rest of the line, less
			// a trailing comment.
			a, b := valueAt(s, m[1], func(byte) bool { return false })
			if a == m[1] {
				if k := strings.Index(s[a:b], " #"); k >= 0 {
					b = a + k
				}
				for b > a && (s[b-1] == ' ' || s[b-1] == '\t' || s[b-1] == '\r') {
					b--
				}
			}
			add(a, b)
			continue
		}
		// In running text "key: word" is as often a logger's prefix or a
		// phrase ("auth: simple token is not signed") as a credential: a
		// plain lower-case word there is left alone.
		if a, b := valueAt(s, m[1], flowStop); !plainWord(s[a:b]) || a > 0 && s[a-1] == '"' {
			add(a, b)
		}
	}
	for _, m := range reFlagSpace.FindAllStringSubmatchIndex(s, -1) {
		if !secretName(s[m[2]:m[3]]) || m[1] >= len(s) || s[m[1]] == '-' {
			continue
		}
		// Help texts (a --help dumped in a log) show the value's type or
		// a metavar: "--token string", "--password PASSWORD".
		if a, b := valueAt(s, m[1], inlineStop); !flagPlaceholder(s[a:b]) {
			add(a, b)
		}
	}
	return spans
}

var flagTypes = set("string", "strings", "stringarray", "stringslice", "stringtostring",
	"int", "int32", "int64", "uint", "uint32", "uint64", "float", "float32", "float64",
	"bool", "duration", "ip", "ipnet", "ipslice", "mapstringstring", "mapstringbool", "quantity")

func flagPlaceholder(v string) bool {
	if flagTypes[strings.ToLower(v)] {
		return true
	}
	for i := 0; i < len(v); i++ {
		if (v[i] < 'A' || v[i] > 'Z') && v[i] != '_' {
			return false
		}
	}
	return v != ""
}

func plainWord(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 'a' || v[i] > 'z' {
			return false
		}
	}
	return v != ""
}

// replaceGroup replaces submatch g of every match of re.
func replaceGroup(s string, re *regexp.Regexp, g int, with string) string {
	var spans []span
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if m[2*g] >= 0 && redactable(s[m[2*g]:m[2*g+1]]) {
			spans = append(spans, span{m[2*g], m[2*g+1], with})
		}
	}
	return applySpans(s, spans)
}

// redactPEM hides the body of private key blocks, up to their END line or,
// when the text was cut before it, to the end of the quoted string or text.
func redactPEM(s string) string {
	var spans []span
	for _, m := range rePEMBegin.FindAllStringIndex(s, -1) {
		a := m[1]
		b := len(s)
		if e := rePEMEnd.FindStringIndex(s[a:]); e != nil {
			b = a + e[0]
		} else if q := strings.IndexAny(s[a:], `"'`); q >= 0 {
			b = a + q
		}
		if strings.TrimSpace(strings.ReplaceAll(s[a:b], `\n`, "")) != "" {
			spans = append(spans, span{a, b, kindMarker("private-key")})
		}
	}
	return applySpans(s, spans)
}

// redactBasic hides HTTP Basic credentials: base64 of "user:password".
func redactBasic(s string) string {
	var spans []span
	for _, m := range reBasic.FindAllStringSubmatchIndex(s, -1) {
		dec, err := base64.StdEncoding.DecodeString(s[m[2]:m[3]])
		if err != nil || !utf8.Valid(dec) || !strings.Contains(string(dec), ":") {
			continue
		}
		spans = append(spans, span{m[2], m[3], Marker})
	}
	return applySpans(s, spans)
}

// redactEntropy hides long random-looking base64 strings (keys, tokens,
// certificates) that no key name or shape gave away. To keep evidence
// readable it leaves what looks random but is not secret: hex of any
// length (image digests, container and commit ids, hashes) and UUIDs have
// no upper-case letters or no lower-case ones; paths and identifiers
// change between upper case, lower case and digits rarely, random base64
// at about two neighbouring letters or digits in three. Measured on random
// keys, 1 in 200 of 30 bytes and 1 in 1000 of 40 bytes fall below the bar.
func redactEntropy(s string) string {
	var spans []span
	for _, m := range reEntropyToken.FindAllStringIndex(s, -1) {
		if looksRandom(s[m[0]:m[1]]) {
			spans = append(spans, span{m[0], m[1], kindMarker("high-entropy")})
		}
	}
	return applySpans(s, spans)
}

func looksRandom(t string) bool {
	t = strings.TrimRight(t, "=")
	if len(t) < 40 {
		return false
	}
	var upper, lower, digit, changes, pairs int
	class := func(c byte) int {
		switch {
		case 'A' <= c && c <= 'Z':
			return 1
		case 'a' <= c && c <= 'z':
			return 2
		case '0' <= c && c <= '9':
			return 3
		}
		return 4
	}
	counts := map[byte]int{}
	for i := 0; i < len(t); i++ {
		switch class(t[i]) {
		case 1:
			upper++
		case 2:
			lower++
		case 3:
			digit++
		}
		if i > 0 && class(t[i]) != 4 && class(t[i-1]) != 4 {
			pairs++
			if class(t[i]) != class(t[i-1]) {
				changes++
			}
		}
		counts[t[i]]++
	}
	if upper == 0 || lower == 0 || digit == 0 {
		return false
	}
	entropy := 0.0
	for _, c := range counts {
		p := float64(c) / float64(len(t))
		entropy -= p * math.Log2(p)
	}
	return entropy >= 4.2 && float64(changes) >= 0.4*float64(pairs)
}
