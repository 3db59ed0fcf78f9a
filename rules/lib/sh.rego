# Shell commands for a finding's confirm list. Users paste these into a
# terminal, and the names in them come from the bundle, which is untrusted:
# a namespace "shop;touch${IFS}/tmp/PWNED;:" must reach kubectl as one
# argument, never run touch. Every value a rule interpolates into a command
# goes through quote (usually via format); nothing else is safe.
package ktriage.lib.sh

import data.ktriage.lib.node

# The image of the debug pods node commands run in. It only needs chroot:
# the command runs as /host's own binary (the node's iptables-save decides
# which backend it shows, the image's could show another). The same image
# and profile as the collector script (docs/collecting.md); sysadmin makes
# the pod privileged, without which iptables-save and nstat are refused.
debug_image := "docker.io/library/busybox:1.36"

# quote returns x as one POSIX sh word: unchanged when it is a plain token
# (letters, digits and . _ : / = -, which no shell treats specially),
# otherwise in single quotes, inside which sh interprets nothing; a single
# quote itself is written '\'' (close, escaped quote, reopen). Numbers and
# other scalars are printed first. The empty string is '' (one empty
# argument, not none).
quote(x) := s if {
	s := text(x)
	regex.match(`^[A-Za-z0-9._:/=-]+$`, s)
} else := concat("", ["'", replace(text(x), "'", `'\''`), "'"])

text(x) := x if is_string(x)

text(x) := sprintf("%v", [x]) if not is_string(x)

# format is sprintf with every value quoted: the template holds the fixed
# words (and only %s verbs), values come from the bundle.
#   sh.format("kubectl -n %s get service %s -o yaml", [ns, name])
format(template, values) := sprintf(template, [quote(v) | some v in values])

# words joins values into one command, each quoted.
words(values) := concat(" ", [quote(v) | some v in values])

# comment is a trailing "# …" remark. Quotes do not protect a comment: a
# newline would end it and start a command, so control characters are
# written as escapes instead.
comment(remark) := concat("", ["   # ", printable(remark)])

printable(s) := regex.replace(strings.replace_n({"\n": `\n`, "\r": `\r`, "\t": `\t`}, s), `[\x00-\x1f\x7f]`, "?")

# on_node runs cmd (already quoted, e.g. by format) on a node's host: in a
# debug pod pinned to the node, chrooted into the host's filesystem.
# local is what runs on the user's side on its output (" | grep …", or "").
# A file ktriage could not attribute to a node names no node to debug: the
# plain command is given, with the file it came from.
on_node(name, cmd, local) := sprintf("kubectl debug %s -it --image=%s --profile=sysadmin -- chroot /host %s%s", [
	quote(concat("", ["node/", name])), debug_image, cmd, local,
]) if {
	not startswith(name, "unattributed:")
} else := concat("", [cmd, local, comment(sprintf("on the host that wrote %s (not attributed to a node)", [trim_prefix(name, "unattributed:")]))])
