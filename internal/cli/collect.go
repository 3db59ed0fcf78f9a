package cli

import (
	"github.com/spf13/cobra"

	"github.com/ktriage/ktriage/internal/collect"
)

func newCollectScript() *cobra.Command {
	return &cobra.Command{
		Use:   "collect-script",
		Short: "Print the collector script a customer runs to make a bundle",
		Long: `Print ktriage-collect.sh, the POSIX sh script that collects a bundle in
the layout ktriage reads best: kubectl cluster-info dump, the objects the
dump lacks (ResourceQuotas, LimitRanges, Endpoints, EndpointSlices,
NetworkPolicies, StatefulSets, Jobs, the ConfigMaps of kube-system and the
CNI), and from every node ip addr/link/route, iptables-save, ipvsadm,
netstat -s, nstat, ss, sysctl, /etc/resolv.conf (and systemd-resolved's),
the kubelet's config.yaml and its configz (through the API server), and
optionally a short packet capture, all in one
ktriage-bundle-<cluster>-<time>.tgz. It needs only sh and kubectl (or
ssh with --ssh) where it runs; ktriage itself need not be installed there.
Secrets are never collected; see docs/collecting.md before sending.

  ktriage collect-script > ktriage-collect.sh && sh ktriage-collect.sh --capture 20
  sh ktriage-collect.sh --help`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := c.OutOrStdout().Write(collect.Script)
			return err
		},
	}
}
