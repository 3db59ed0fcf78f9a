package engine

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// denied are the builtins rules may not call. Rules read a customer's bundle
// offline and must give the same answer every time: nothing that reaches the
// network, the host, the clock or a random source. The CIDR arithmetic in
// net.cidr_* stays: it is pure computation and rules need it to place pod
// and node addresses in subnets.
var denied = map[string]string{
	"http.send":              "it reaches the network",
	"net.lookup_ip_addr":     "it reaches the network (DNS)",
	"opa.runtime":            "it reads the host's environment",
	"time.now_ns":            "it reads the clock; use times from the bundle",
	"rand.intn":              "it is random",
	"uuid.rfc4122":           "it is random",
	"io.jwt.decode_verify":   "it reads the clock and may fetch keys",
	"providers.aws.sign_req": "it signs requests for the network",
	"crypto.x509.parse_and_verify_certificates_with_options": "it reads the clock",
	// The same bundle must give the same report: ES256/ES384/ES512 and
	// PS* signatures take a fresh random nonce on every call, and the
	// certificate check compares against the current time.
	"io.jwt.encode_sign":                        "it signs with a random nonce",
	"io.jwt.encode_sign_raw":                    "it signs with a random nonce",
	"crypto.x509.parse_and_verify_certificates": "it reads the clock",
	// A schema's "$ref" is resolved by OPA's JSON Schema loader, which
	// opens file:// paths and fetches http(s) URLs: {"$ref":
	// "file:///etc/passwd"} read the host's file and put text from it
	// into the report, and a ref to a FIFO hung past --timeout.
	"json.verify_schema": "its $ref reads host files and fetches URLs",
	"json.match_schema":  "its $ref reads host files and fetches URLs",
}

// Capabilities returns this OPA version's builtins minus the denied ones.
func Capabilities() *ast.Capabilities { return sandboxCapabilities() }

// OPA builds its capabilities list anew on every call (a few
// milliseconds): build each once per process. Neither the parser nor the
// compiler changes the value it is given.
var (
	sandboxCapabilities = sync.OnceValue(buildCapabilities)
	parserCapabilities  = sync.OnceValue(func() *ast.Capabilities { return ast.CapabilitiesForThisVersion() })
)

func buildCapabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	kept := c.Builtins[:0]
	for _, b := range c.Builtins {
		if _, no := denied[b.Name]; no {
			continue
		}
		kept = append(kept, b)
	}
	c.Builtins = kept
	c.AllowNet = []string{}
	return c
}

// DeniedBuiltins lists the builtins the sandbox removes, with the reason.
func DeniedBuiltins() map[string]string {
	out := make(map[string]string, len(denied))
	for k, v := range denied {
		out[k] = v
	}
	return out
}

// explainCompileErrors rewrites "undefined function http.send" into a
// sentence a rule author can act on.
func explainCompileErrors(errs ast.Errors) string {
	lines := make([]string, 0, len(errs))
	for _, e := range errs {
		msg := e.Error()
		// The longest name that matches wins: one denied name is a prefix
		// of another (…parse_and_verify_certificates[_with_options]).
		best := ""
		for name := range denied {
			if len(name) > len(best) && (strings.Contains(e.Message, "undefined function "+name) || strings.Contains(e.Message, "undefined ref: "+name)) {
				best = name
			}
		}
		if best != "" {
			loc := ""
			if e.Location != nil {
				loc = fmt.Sprintf("%s:%d: ", e.Location.File, e.Location.Row)
			}
			msg = fmt.Sprintf("%sbuiltin %s is not available to ktriage rules: %s (rules run offline and must be deterministic)", loc, best, denied[best])
		}
		lines = append(lines, "  "+msg)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
