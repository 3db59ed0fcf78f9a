package kube

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
)

// memPod is one item of the generated List: small once normalized (its
// bulk is managedFields, which Normalize drops, as `kubectl get -o yaml`
// printed them before 1.21), so what the parse keeps stays small and the
// peak shows what reading costs.
func memPod(i int) string {
	return fmt.Sprintf(`- apiVersion: v1
  kind: Pod
  metadata:
    name: web-%[1]d
    namespace: ns-%[2]d
    managedFields:
`, i, i/100) + strings.Repeat(managedField, 6) + `  spec:
    containers:
    - image: nginx
      name: web
`
}

const managedField = `    - apiVersion: v1
      fieldsType: FieldsV1
      fieldsV1:
        f:metadata:
          f:labels:
            .: {}
            f:app: {}
        f:spec:
          f:containers:
            k:{"name":"web"}:
              .: {}
              f:image: {}
      manager: kubectl-client-side-apply
      operation: Update
      time: "2024-03-11T10:00:00Z"
`

const yamlMemChild = "KTRIAGE_YAML_MEM_CHILD"

type yamlMemResult struct {
	Objects  int   `json:"objects"`
	HWM      int64 `json:"hwm"`      // VmHWM, bytes
	Retained int64 `json:"retained"` // live heap after the parse, facts held
	Before   int64 `json:"before"`   // VmHWM before the parse
}

// TestYAMLListMemory reads a generated List of 4,000 pods (10 MB of
// YAML) in a child process and checks its peak memory is bounded by what
// it keeps plus a margin, not by the file: decoded whole, the document
// took about 55 times its size (1.4 GB for 25 MB).
func TestYAMLListMemory(t *testing.T) {
	if p := os.Getenv(yamlMemChild); p != "" {
		yamlMemChildRun(t, p)
		return
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc/self/status for the child's peak memory")
	}
	const pods = 4_000
	p := filepath.Join(t.TempDir(), "pods.yaml")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("apiVersion: v1\nitems:\n")
	largest := 0
	for i := 0; i < pods; i++ {
		s := memPod(i)
		largest = max(largest, len(s))
		w.WriteString(s)
	}
	w.WriteString("kind: List\nmetadata:\n  resourceVersion: \"\"\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(p)
	cmd := exec.Command(os.Args[0], "-test.run=^TestYAMLListMemory$", "-test.count=1")
	cmd.Env = append(os.Environ(), yamlMemChild+"="+p)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var r yamlMemResult
	i := bytes.Index(out, []byte("{\"objects\""))
	if i < 0 || json.Unmarshal(out[i:bytes.IndexByte(out[i:], '\n')+i], &r) != nil {
		t.Fatalf("child printed no result:\n%s", out)
	}
	if r.Objects != pods {
		t.Fatalf("%d objects, want %d", r.Objects, pods)
	}
	// What reading may add to the start-up peak: twice what is kept (the
	// collector's headroom) and 64 MiB for the pieces in flight, however
	// large the file. The items are 2.6 KB each, so 64 MiB is thousands
	// of times the largest one: generous, and still below what decoding
	// the 10 MB document whole takes (about 400 MB).
	limit := r.Before + 2*r.Retained + 64<<20
	t.Logf("%d pods, %.1f MB of YAML, largest item %d bytes: peak %.1f MB (%.1f MB at start, %.1f MB kept); limit %.1f MB",
		pods, float64(st.Size())/1e6, largest, float64(r.HWM)/1e6, float64(r.Before)/1e6, float64(r.Retained)/1e6, float64(limit)/1e6)
	if r.HWM > limit {
		t.Errorf("peak memory %d MB for a %d MB List, over the %d MB limit", r.HWM>>20, st.Size()>>20, limit>>20)
	}
}

func yamlMemChildRun(t *testing.T, p string) {
	before := vmHWM(t)
	a, err := loader.FromFile(p, "pods.yaml", "pods.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := facts.NewBuilder()
	if _, err := (YAML{}).Parse(context.Background(), a, b); err != nil {
		t.Fatal(err)
	}
	hwm := vmHWM(t)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	n := len(b.Build().Objects)
	out, _ := json.Marshal(yamlMemResult{Objects: n, HWM: hwm, Retained: int64(ms.HeapAlloc), Before: before})
	fmt.Printf("%s\n", out)
}

// vmHWM is the process's peak resident memory so far, in bytes.
func vmHWM(t *testing.T) int64 {
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}
