// Command mkpcap writes a synthetic Ethernet capture for benchmarks:
//
//	go run ./internal/parsers/pcap/pcapgen/cmd/mkpcap -mb 100 -o /tmp/ktriage-bench-100MB.pcap
//
// The same -seed and -mb always give the same file.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ktriage/ktriage/internal/parsers/pcap/pcapgen"
)

func main() {
	mb := flag.Int64("mb", 100, "stop once the file is at least this many MiB")
	out := flag.String("o", "", "output file (required)")
	seed := flag.Uint64("seed", 1, "random seed")
	conc := flag.Int("flows", 1000, "flows open at once")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "mkpcap: -o is required")
		os.Exit(2)
	}
	if err := run(*out, *mb, *seed, *conc); err != nil {
		fmt.Fprintln(os.Stderr, "mkpcap:", err)
		os.Exit(1)
	}
}

func run(out string, mb int64, seed uint64, conc int) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	st, err := pcapgen.Write(f, pcapgen.Config{Seed: seed, SizeBytes: mb << 20, Concurrent: conc})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d packets, %d bytes, %d flows, %d retransmissions (%d fast, %d SYN), %d unanswered-SYN flows, %d refused, %d frag-needed, %d IPIP flows, %d VXLAN flows\n",
		out, st.Packets, st.Bytes, st.Flows, st.Retransmissions, st.FastRetransmissions, st.SYNRetransmissions,
		st.UnansweredSYNFlows, st.RefusedFlows, st.FragNeeded, st.IPIPFlows, st.VXLANFlows)
	return nil
}
