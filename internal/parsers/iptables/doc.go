// Package iptables reads packet-filter state from node artifacts:
// iptables-save / ip6tables-save output (Save, kind "iptables-save"; also
// `iptables -S` and `nft list ruleset`, kind "nft-ruleset") and ipvsadm
// listings (IPVS, kind "ipvsadm").
//
// Why: kube-proxy's rules live here, and some failures show only in them.
// The one this package was built to prove is kube-proxy with legacy
// iptables on a host whose iptables runs on nf_tables (CentOS 8): kubelet
// creates KUBE-MARK-DROP through iptables-nft, kube-proxy's own
// iptables-restore (legacy) cannot find it, and Service VIPs die. A rule
// needs the back end that wrote each dump (variant), whether the host has
// tables in both (legacy_tables_present), whether nat declares
// KUBE-MARK-DROP and has its MARK rule, and which rules jump to chains that
// are not declared (undeclared_targets).
//
// # Document shape
//
// Save adds Sections["iptables"]: a list of rulesets, one per dump in the
// file (normally one; two when dumps were concatenated, one per address
// family for nft list ruleset):
//
//	{
//	  "file": "nodes/n1/iptables-save.txt",
//	  "family": "ipv4",                   // or "ipv6"; nft-ruleset: "inet", "bridge", … too
//	  "generator": "iptables-nft-save v1.8.4",  // "" when absent
//	  "variant": "nft",                   // "legacy", "unknown", "nft-ruleset"
//	  "legacy_tables_present": false,     // "# Warning: iptables-legacy tables present…"
//	  "warning_line": 0,
//	  "partial": false,                   // fragment, missing COMMIT, shell prompts
//	  "counters": false,                  // [pkts:bytes] on rules (iptables-save -c)
//	  "rules_omitted": 0,                 // only when memory caps were hit
//	  "tables": {
//	    "nat": {
//	      "line": 12, "committed": true,
//	      "chains": {
//	        "KUBE-MARK-DROP": {
//	          "declared": true, "builtin": false, "policy": "-",
//	          "packets": 0, "bytes": 0, "line": 19,
//	          "rules": [{
//	            "line": 40, "text": "-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000",
//	            "target": "MARK", "goto": false, "packets": 0, "bytes": 0,
//	            "set_xmark": "0x8000/0x8000"
//	            // optional, present only when set: matches (["-m comment", …]),
//	            // comment, source, destination, protocol, in_interface,
//	            // out_interface, dport, to_destination, set_xmark, set_mark,
//	            // match_set ("KUBE-CLUSTER-IP dst,dst"), negations (["-s", "--dport"])
//	          }]
//	        }
//	      }
//	    }
//	  },
//	  "undeclared_targets": [
//	    {"table": "nat", "chain": "KUBE-MARK-DROP", "line": 7,
//	     "text": "-A KUBE-FIREWALL -j KUBE-MARK-DROP", "has_rules": false}
//	  ]
//	}
//
// Conventions: chains without a ":NAME" line but with rules (fragments)
// have declared false, line 0 and policy "". Rules outside any *table go to
// table "nat" when their chains and targets can only be nat's, else to
// table "unknown". Line numbers count LF, CRLF and bare CR line ends. Text
// and every field are cut to 240 bytes. A jump whose target is followed by
// options (-j DNAT --to-destination …) is a target extension, never an
// undeclared chain. undeclared_targets are listed for fragments too (partial
// rulesets, tables with no ":CHAIN" line): there they only say the file
// does not show the declaration, not that the chain is missing, so rules
// judge them in whole dumps only. In shell transcripts, rule lines repeated by several
// greps are kept once.
//
// IPVS adds Sections["ipvs"]: a list with one entry per listing:
//
//	{"file": …, "line": 1, "version": "1.2.1",
//	 "services": [{"protocol": "TCP", "address": "10.96.0.1", "port": 443,
//	   "scheduler": "rr", "flags": "persistent 10800", "line": 4, "text": …,
//	   // optional: port_name (ipvsadm without -n), fwmark, ipv6, stats
//	   "destinations": [{"address": "10.244.1.5", "port": 6443, "forward": "Masq",
//	     "weight": 1, "active": 0, "inactive": 3, "line": 5}]}]}
//
// With --stats or --rate, services and destinations carry "stats" keyed by
// ipvsadm's column names in lower case (conns, inpkts, …, cps, inpps, …).
//
// Result.Summary holds rulesets, tables, chains, rules and
// undeclared_targets (Save), or services and destinations (IPVS).
package iptables
