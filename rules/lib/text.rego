# Helpers for the words of messages, so every rule says counts the same way.
package ktriage.lib.text

# times says how often something happened: "once", "2 times".
times(n) := "once" if n == 1

times(n) := sprintf("%v times", [n]) if n != 1
