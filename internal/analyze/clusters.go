package analyze

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
)

// One analysis is about one cluster. Files of two clusters in one run (a
// folder of cases, two paths given) merged into one set of facts make
// findings vanish and false ones appear, so Parse tells the clusters apart
// and, when there is more than one, reads each cluster's files into facts
// of their own (Parsed.Clusters) that the rules see one at a time; where
// one set of facts is required (`ktriage facts`, Options.OneCluster) it
// refuses instead (ClustersError).
//
// Files are grouped first by the dump they came from (a cluster-info dump
// directory, a collector or troubleshoot bundle root, a must-gather root):
// a dump is one cluster's. A dump, or a file outside any dump, says which
// cluster it is through the identity of its objects (facts.Identity). Two
// groups are different clusters only on positive evidence: a different
// kube-system namespace uid, a different uid or ClusterIP of Service
// default/kubernetes, or a node of the same name with a different uid or
// InternalIP. Files that say nothing of their cluster (a pasted describe,
// a node's ip addr) go with the only cluster; when there are several, with
// the one whose objects or node they name, else they stay unassigned.

// ClustersError is Parse's refusal of inputs holding several clusters.
type ClustersError struct {
	Clusters   []ClusterGroup
	Unassigned []string // files that name no cluster, or several
	Differ     []string // the evidence that tells the clusters apart, in words
}

// ClusterGroup is one cluster found in the inputs.
type ClusterGroup struct {
	Identity facts.Identity
	Inputs   []string // dumps ("dir/ (12 files)") and files
	keys     map[facts.ObjectKey]bool
	// files are the artifacts that told which cluster this is; roots the
	// dump roots joined whole, whose other files (a collector log, a
	// capture no node claims) go with the cluster too.
	files []string
	roots []string
}

func (e *ClustersError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "the inputs hold files of %d different Kubernetes clusters; a facts document is one cluster's and ktriage never merges them: run it once per cluster (analyze reads them in one run, each on its own).\n", len(e.Clusters))
	for i, c := range e.Clusters {
		fmt.Fprintf(&sb, "  cluster %d (%s): %s\n", i+1, describeIdentity(c.Identity), strings.Join(c.Inputs, ", "))
	}
	if len(e.Unassigned) > 0 {
		fmt.Fprintf(&sb, "  not attributed to a cluster (nothing in them names one cluster): %s\n", listCut(e.Unassigned, 10))
	}
	fmt.Fprintf(&sb, "  told apart by: %s", strings.Join(e.Differ, "; "))
	return sb.String()
}

func describeIdentity(id facts.Identity) string {
	var parts []string
	if id.KubeSystemUID != "" {
		parts = append(parts, "kube-system namespace uid "+id.KubeSystemUID)
	}
	switch {
	case id.APIServiceIP != "" && id.APIServiceUID != "":
		parts = append(parts, fmt.Sprintf("Service default/kubernetes %s uid %s", id.APIServiceIP, id.APIServiceUID))
	case id.APIServiceIP != "":
		parts = append(parts, "Service default/kubernetes "+id.APIServiceIP)
	case id.APIServiceUID != "":
		parts = append(parts, "Service default/kubernetes uid "+id.APIServiceUID)
	}
	if len(id.Nodes) > 0 {
		parts = append(parts, "nodes "+listCut(sortedKeys(id.Nodes), 5))
	}
	return strings.Join(parts, ", ")
}

func listCut(l []string, max int) string {
	if len(l) <= max {
		return strings.Join(l, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(l[:max], ", "), len(l)-max)
}

// conflict returns, in words, the first evidence that a and b are two
// clusters, or "".
func conflict(a, b *facts.Identity) string {
	differ := func(x, y string) bool { return x != "" && y != "" && x != y }
	switch {
	case differ(a.KubeSystemUID, b.KubeSystemUID):
		return fmt.Sprintf("kube-system namespace uid %s vs %s", a.KubeSystemUID, b.KubeSystemUID)
	case differ(a.APIServiceUID, b.APIServiceUID):
		return fmt.Sprintf("Service default/kubernetes uid %s vs %s", a.APIServiceUID, b.APIServiceUID)
	case differ(a.APIServiceIP, b.APIServiceIP):
		return fmt.Sprintf("Service default/kubernetes ClusterIP %s vs %s", a.APIServiceIP, b.APIServiceIP)
	}
	for _, name := range sortedKeys(a.Nodes) {
		n, ok := b.Nodes[name]
		if !ok {
			continue
		}
		m := a.Nodes[name]
		if differ(m.UID, n.UID) {
			return fmt.Sprintf("node %s uid %s vs %s", name, m.UID, n.UID)
		}
		if differ(m.InternalIP, n.InternalIP) {
			return fmt.Sprintf("node %s InternalIP %s vs %s", name, m.InternalIP, n.InternalIP)
		}
	}
	return ""
}

// same reports positive evidence that a and b are one cluster: a shared
// uid (addresses and names are reused across clusters; uids are not).
func same(a, b *facts.Identity) bool {
	eq := func(x, y string) bool { return x != "" && x == y }
	if eq(a.KubeSystemUID, b.KubeSystemUID) || eq(a.APIServiceUID, b.APIServiceUID) {
		return true
	}
	for name, m := range a.Nodes {
		if eq(m.UID, b.Nodes[name].UID) {
			return true
		}
	}
	return false
}

// merge adds b's values to a; call only when they do not conflict.
func merge(a *facts.Identity, b *facts.Identity) {
	set := func(x *string, y string) {
		if *x == "" {
			*x = y
		}
	}
	set(&a.KubeSystemUID, b.KubeSystemUID)
	set(&a.APIServiceUID, b.APIServiceUID)
	set(&a.APIServiceIP, b.APIServiceIP)
	for name, n := range b.Nodes {
		if a.Nodes == nil {
			a.Nodes = map[string]facts.NodeIdentity{}
		}
		m := a.Nodes[name]
		set(&m.UID, n.UID)
		set(&m.InternalIP, n.InternalIP)
		a.Nodes[name] = m
	}
}

// dumpRoot is the outermost directory of path that is the root of a dump:
// it holds nodes.json or nodes.yaml (kubectl cluster-info dump
// --output-directory), cluster-resources/ (a troubleshoot or ktriage
// collector bundle) or cluster-scoped-resources/ (a must-gather), as seen
// in the set of paths; "" when path lies in none.
func dumpRoots(paths []string) map[string]bool {
	roots := map[string]bool{}
	for _, p := range paths {
		parts := strings.Split(p, "/")
		for i, c := range parts {
			last := i == len(parts)-1
			if (!last && (c == "cluster-resources" || c == "cluster-scoped-resources")) ||
				(last && (c == "nodes.json" || c == "nodes.yaml")) {
				roots[strings.Join(parts[:i], "/")+"/"] = true
			}
		}
	}
	return roots
}

func rootOf(path string, roots map[string]bool) string {
	parts := strings.Split(path, "/")
	for i := 0; i < len(parts); i++ {
		if r := strings.Join(parts[:i], "/") + "/"; roots[r] {
			return r
		}
	}
	return ""
}

// unit is a set of files known to be of one cluster: a dump, or one file.
type unit struct {
	name  string
	files []string
	id    facts.Identity
	named bool // some file says which cluster it is
}

// splitClusters groups the files that hold Kubernetes objects or node
// facts into clusters; nil when there is at most one.
func splitClusters(f *facts.Facts, paths []string) *ClustersError {
	files := f.ObjectFiles()
	for file := range f.NodeAttribution {
		if len(f.FileObjects(file)) == 0 {
			files = append(files, file)
		}
	}
	sort.Strings(files)
	roots := dumpRoots(paths)
	byName := map[string]*unit{}
	var units []*unit
	add := func(name, file string) *unit {
		u := byName[name]
		if u == nil {
			u = &unit{name: name}
			byName[name] = u
			units = append(units, u)
		}
		u.files = append(u.files, file)
		return u
	}
	for _, file := range files {
		name := rootOf(file, roots)
		if name == "" {
			name = file
		}
		add(name, file)
	}
	// A dump whose own files disagree is not one cluster's: its files
	// then count one by one.
	var flat []*unit
	for _, u := range units {
		ok := true
		for _, file := range u.files {
			id := f.FileIdentity(file)
			if id == nil {
				continue
			}
			if conflict(&u.id, id) != "" {
				ok = false
				break
			}
			merge(&u.id, id)
			u.named = true
		}
		if ok || len(u.files) == 1 {
			flat = append(flat, u)
			continue
		}
		for _, file := range u.files {
			v := &unit{name: file, files: []string{file}}
			if id := f.FileIdentity(file); id != nil {
				v.id, v.named = *id, true
			}
			flat = append(flat, v)
		}
	}
	// uids first: they decide; addresses and node names only join or
	// split what is left.
	sort.SliceStable(flat, func(i, j int) bool { return strong(&flat[i].id) && !strong(&flat[j].id) })

	var groups []*ClusterGroup
	var differ []string
	var loose []*unit
	for _, u := range flat {
		if !u.named {
			loose = append(loose, u)
			continue
		}
		var compat, matched []*ClusterGroup
		var why string
		for _, g := range groups {
			if c := conflict(&g.Identity, &u.id); c != "" {
				why = c
				continue
			}
			compat = append(compat, g)
			if same(&g.Identity, &u.id) {
				matched = append(matched, g)
			}
		}
		var g *ClusterGroup
		switch {
		case len(matched) == 1:
			g = matched[0]
		case len(matched) == 0 && len(compat) == 1:
			g = compat[0]
		case len(compat) == 0:
			g = &ClusterGroup{keys: map[facts.ObjectKey]bool{}}
			groups = append(groups, g)
			if why != "" {
				differ = append(differ, why)
			}
		default:
			loose = append(loose, u) // fits several: decide by names
			continue
		}
		merge(&g.Identity, &u.id)
		g.join(u, f)
	}
	if len(groups) < 2 {
		return nil
	}
	e := &ClustersError{Differ: differ}
	for _, u := range loose {
		var hit []*ClusterGroup
		for _, g := range groups {
			if g.names(u, f) {
				hit = append(hit, g)
			}
		}
		if len(hit) == 1 {
			hit[0].join(u, f)
		} else {
			e.Unassigned = append(e.Unassigned, u.name)
		}
	}
	for _, g := range groups {
		e.Clusters = append(e.Clusters, *g)
	}
	return e
}

func strong(id *facts.Identity) bool { return id.KubeSystemUID != "" || id.APIServiceUID != "" }

func (g *ClusterGroup) join(u *unit, f *facts.Facts) {
	name := u.name
	if len(u.files) > 1 || strings.HasSuffix(name, "/") {
		name = fmt.Sprintf("%s (%s)", name, plural(len(u.files), "file", "files"))
	}
	g.Inputs = append(g.Inputs, name)
	g.files = append(g.files, u.files...)
	if strings.HasSuffix(u.name, "/") {
		g.roots = append(g.roots, u.name)
	}
	for _, file := range u.files {
		for _, k := range f.FileObjects(file) {
			g.keys[k] = true
		}
	}
}

// names reports whether a file that says nothing of its cluster names one
// of g's objects (same kind, namespace and name) or nodes.
func (g *ClusterGroup) names(u *unit, f *facts.Facts) bool {
	for _, file := range u.files {
		if a, ok := f.NodeAttribution[file]; ok && a.Node != "" {
			if _, ok := g.Identity.Nodes[a.Node]; ok {
				return true
			}
		}
		for _, k := range f.FileObjects(file) {
			if g.keys[k] {
				return true
			}
		}
	}
	return false
}
