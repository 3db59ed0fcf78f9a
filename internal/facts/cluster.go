package facts

import (
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Identity is what a file says about which cluster it was taken from: the
// values that differ between any two clusters (UIDs are random per
// cluster) and the ones that usually do (the kubernetes Service's
// ClusterIP, node addresses). A value left empty was not in the file.
type Identity struct {
	KubeSystemUID string // metadata.uid of Namespace kube-system
	APIServiceUID string // metadata.uid of Service default/kubernetes
	APIServiceIP  string // spec.clusterIP of Service default/kubernetes
	// Nodes maps the names of the Node objects to their uid and
	// InternalIP, either possibly empty.
	Nodes map[string]NodeIdentity
}

// NodeIdentity is one Node object's uid and InternalIP.
type NodeIdentity struct{ UID, InternalIP string }

// Empty reports whether the file said nothing about its cluster.
func (id *Identity) Empty() bool {
	return id == nil || id.KubeSystemUID == "" && id.APIServiceUID == "" && id.APIServiceIP == "" && len(id.Nodes) == 0
}

// maxKeysPerFile bounds the object names kept per file for telling which
// cluster an identity-less file (a pasted describe) belongs to: a few
// names decide it, and a 100,000-object dump must not keep them all twice.
const maxKeysPerFile = 2000

// noteIdentity records what body says about its file's cluster, and its
// name. Called by AddObject with b.mu held.
func (b *Builder) noteIdentity(body ast.Object, key ObjectKey, file string) {
	if b.fileKeys == nil {
		b.fileKeys = map[string][]ObjectKey{}
		b.idents = map[string]*Identity{}
	}
	if ks := b.fileKeys[file]; len(ks) < maxKeysPerFile {
		b.fileKeys[file] = append(ks, key)
	}
	uid := stringAt(body, "metadata", "uid")
	id := func() *Identity {
		if b.idents[file] == nil {
			b.idents[file] = &Identity{}
		}
		return b.idents[file]
	}
	switch {
	case key.Kind == "Namespace" && key.Name == "kube-system" && uid != "":
		id().KubeSystemUID = uid
	case key.Kind == "Service" && key.Namespace == "default" && key.Name == "kubernetes":
		ip := stringAt(body, "spec", "clusterIP")
		if uid != "" {
			id().APIServiceUID = uid
		}
		if ip != "" && ip != "None" {
			id().APIServiceIP = ip
		}
	case key.Kind == "Node":
		n := NodeIdentity{UID: uid}
		for _, a := range arrayAt(body, "status", "addresses") {
			if stringAt(a.Value, "type") == "InternalIP" && n.InternalIP == "" {
				n.InternalIP = stringAt(a.Value, "address")
			}
		}
		i := id()
		if i.Nodes == nil {
			i.Nodes = map[string]NodeIdentity{}
		}
		i.Nodes[key.Name] = n
	}
}

// FileIdentity returns what the file's objects say about its cluster, or
// nil when they say nothing.
func (f *Facts) FileIdentity(file string) *Identity {
	if id := f.idents[file]; !id.Empty() {
		return id
	}
	return nil
}

// FileObjects returns the keys of (up to a cap) the objects read from the
// file, in the order read.
func (f *Facts) FileObjects(file string) []ObjectKey { return f.fileKeys[file] }

// ObjectFiles lists the files that yielded objects, sorted.
func (f *Facts) ObjectFiles() []string {
	out := make([]string, 0, len(f.fileKeys))
	for file := range f.fileKeys {
		out = append(out, file)
	}
	sort.Strings(out)
	return out
}
