package kubectlcheck

import (
	"fmt"
	"strings"
)

// Commands splits a POSIX sh script (a report's sh block) into its simple
// commands, each a list of words with quotes removed as sh removes them.
// Pipes, ";", "&&", "||" and newlines separate commands; "#" at the start
// of a word starts a comment. Anything a confirm command has no business
// doing is an error: an unquoted $, backtick, redirection, subshell,
// glob or background "&", and unterminated quotes.
func Commands(script string) ([][]string, error) {
	var cmds [][]string
	var words []string
	var w strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, w.String())
			w.Reset()
			inWord = false
		}
	}
	endCmd := func() {
		endWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
			words = nil
		}
	}
	rs := []rune(script)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j == len(rs) {
				return nil, fmt.Errorf("unterminated single quote")
			}
			w.WriteString(string(rs[i+1 : j]))
			inWord, i = true, j
		case r == '"':
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				switch rs[j] {
				case '$', '`':
					return nil, fmt.Errorf("expansion %q inside double quotes", rs[j])
				case '\\':
					if j+1 < len(rs) && strings.ContainsRune("$`\"\\\n", rs[j+1]) {
						j++
					}
				}
				w.WriteRune(rs[j])
			}
			if j == len(rs) {
				return nil, fmt.Errorf("unterminated double quote")
			}
			inWord, i = true, j
		case r == '\\':
			if i+1 == len(rs) {
				return nil, fmt.Errorf("backslash at the end")
			}
			if rs[i+1] != '\n' {
				w.WriteRune(rs[i+1])
				inWord = true
			}
			i++
		case r == '#' && !inWord:
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
			i--
		case r == ' ' || r == '\t':
			endWord()
		case r == '\n' || r == ';' || r == '|':
			endCmd()
		case r == '&':
			if i+1 < len(rs) && rs[i+1] == '&' {
				endCmd()
				i++
				continue
			}
			return nil, fmt.Errorf("unquoted & (background)")
		case strings.ContainsRune("$`<>()*?[", r) || r == '~' && !inWord:
			return nil, fmt.Errorf("unquoted %q: an expansion, redirection, glob or subshell", r)
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	endCmd()
	return cmds, nil
}
