package describe

import (
	"strings"
)

// buildConfigMap reads the Data section: "key:" then "----" then the
// value's raw lines, a blank line after each.
func buildConfigMap(o *obj, _ []*node, lines []line) {
	start := -1
	for i := 0; i+1 < len(lines); i++ {
		if lines[i].indent == 0 && lines[i].text == "Data" && lines[i+1].text == "====" {
			start = i + 2
			o.mark(lines[i].num, "data")
			break
		}
	}
	if start < 0 {
		return
	}
	data := map[string]any{}
	isKey := func(i int) bool {
		return i+1 < len(lines) && lines[i].indent == 0 && strings.HasSuffix(lines[i].text, ":") && lines[i+1].raw == "----"
	}
	i := start
	for i < len(lines) {
		l := lines[i]
		if l.indent == 0 && (l.text == "BinaryData" || strings.HasPrefix(l.text, "Events:")) {
			break
		}
		if !isKey(i) {
			i++
			continue
		}
		key := strings.TrimSuffix(l.text, ":")
		// evidence on a key cites its value's first line (two below, past
		// "----"), which is what proves anything; an empty value, the key
		at := l.num
		if i+2 < len(lines) && !isKey(i+2) && strings.TrimSpace(lines[i+2].raw) != "" {
			at = lines[i+2].num
		}
		o.mark(at, "data", key)
		j := i + 2
		var val []string
		size := 0
		for j < len(lines) && !isKey(j) && !(lines[j].indent == 0 && (lines[j].text == "BinaryData" || strings.HasPrefix(lines[j].text, "Events:"))) {
			if size < maxLine*64 {
				val = append(val, lines[j].raw)
				size += len(lines[j].raw)
			}
			j++
		}
		for len(val) > 0 && val[len(val)-1] == "" {
			val = val[:len(val)-1]
		}
		data[key] = strings.Join(val, "\n")
		i = j
	}
	o.set(0, data, "data")
}
