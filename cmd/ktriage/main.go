// Command ktriage analyses Kubernetes support bundles offline.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/ktriage/ktriage/internal/cli"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr, version)
	stop()
	os.Exit(code)
}
