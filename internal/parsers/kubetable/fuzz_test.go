package kubetable

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

// FuzzTable: no input makes Detect or Parse panic or hang, and every
// object read has a kind, a name, the source marker and a line within the
// input.
func FuzzTable(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(kubectlTable(
		[]string{"NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"},
		[]string{"shop", "2m", "Warning", "FailedCreate", "replicaset/web-1", "Error creating: exceeded quota"},
	)))
	f.Add([]byte(kubectlTable(
		[]string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"},
		[]string{"web", "NodePort", "10.0.0.1", "<none>", "80:30080/TCP", "1d", "app=web"},
	) + "\n" + kubectlTable([]string{"NAME", "READY", "AGE"}, []string{"statefulset.apps/db", "0/3", "1d"})))
	f.Add([]byte("NAME   READY   STATUS   RESTARTS   AGE\nx\xff\xfe   1/1\n\n   \t\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a := parsertest.Write(t, "fuzz.txt", in)
		_ = Table{}.Detect(a)
		b := facts.NewBuilder()
		_, _ = Table{}.Parse(ctx, a, b)
		lines := bytes.Count(in, []byte("\n")) + 1
		for _, o := range b.Build().Objects {
			if o.Key.Kind == "" || o.Key.Name == "" {
				t.Fatalf("object without kind or name: %v", o.Key)
			}
			md, _ := o.Map()["metadata"].(map[string]any)
			ann, _ := md["annotations"].(map[string]any)
			if ann[SourceAnnotation] == nil {
				t.Fatalf("%v has no %s", o.Key, SourceAnnotation)
			}
			if l := o.Sources[0].Line; l < 1 || l > lines {
				t.Fatalf("%v at line %d of %d", o.Key, l, lines)
			}
		}
	})
}
