package ktriage.lib.run_test

import data.ktriage.lib.run

test_every_rule_runs_without_the_engines_list if {
	run.rule("cni") with input as {"kubernetes": {}}
}

test_only_listed_rules_run if {
	run.rule("cni") with input as {"rules": {"cni": true, "dns": true}}
	not run.rule("probe") with input as {"rules": {"cni": true, "dns": true}}
	not run.rule("cni") with input as {"rules": {}}
}
