// Command ktriage analyses Kubernetes support bundles offline.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ktriage/ktriage/internal/cli"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// main turns the first SIGINT or SIGTERM into a cancelled context, so an
// interrupted analysis stops within a read and removes its temp area (up
// to --max-total-size of spooled data). A run that has not stopped
// cli.Grace later, or a second signal, removes the temp area and any
// partial report and exits 130 at once (cli.Interrupts).
func main() {
	delayFirstCollection()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := cli.Interrupts(context.Background(), sigs, cli.Grace, os.Stderr, os.Exit)
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr, version)
	cancel()
	os.Exit(code)
}
