# Which rules this analysis runs. One cause, one critical: a rule that
# sees a symptom of another rule's cause (a Service without endpoints
# because the pod network is down, a restart that is a liveness kill)
# drops to info and points at that rule's finding. It does so only when
# that rule runs: with `--disable cni` the symptom keeps its own severity
# instead of pointing at a finding the report does not have.
package ktriage.lib.run

# rule(id): rule id runs in this analysis (enabled, and the bundle holds
# what its METADATA needs). The engine lists them in input.rules
# (docs/facts.md); without that list (the output of `ktriage facts` under
# plain `opa eval`, Rego unit tests) every rule counts as running.
rule(_) if not input.rules

rule(id) if input.rules[id] == true
