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
// to --max-total-size of spooled data); a second signal kills at once.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr, version)
	stop()
	os.Exit(code)
}
