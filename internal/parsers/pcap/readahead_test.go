package pcap

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"testing"
)

// A capture gives the same analysis read ahead (a stream of unknown size)
// as read directly: whole, and cut anywhere, with records spanning the
// read-ahead chunks, of every size.
func TestReadAheadGivesTheSameAnalysis(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	defer func(c int) { aheadChunk = c }(aheadChunk)
	files := append(captureFiles(t, realworldDir), captureFiles(t, generatedDir)...)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 4<<20 {
			data = data[:4<<20] // a cut file too; keeps the test short
		}
		for _, cut := range []int{len(data), 24 + rng.IntN(len(data)-24), 24 + rng.IntN(len(data)-24)} {
			direct := analyzeSized(t, data[:cut], path, int64(cut))
			for _, chunk := range []int{1 + rng.IntN(100), 1500 + rng.IntN(3000), readAheadChunk} {
				aheadChunk = chunk
				ahead := analyzeSized(t, data[:cut], path, 0)
				if fmt.Sprint(direct.err) != fmt.Sprint(ahead.err) || !reflect.DeepEqual(direct.res, ahead.res) || !reflect.DeepEqual(direct.doc, ahead.doc) {
					t.Fatalf("%s cut at %d, chunks of %d: read ahead %v %v, direct %v %v", path, cut, chunk, ahead.err, ahead.res.Warnings, direct.err, direct.res.Warnings)
				}
			}
		}
	}
}

// analyzeSized analyses data as a file of the given size (0: a stream of
// unknown size, which is read ahead).
func analyzeSized(t *testing.T, data []byte, name string, size int64) analysis {
	t.Helper()
	an, doc, res, err := Capture{}.analyze(t.Context(), bytes.NewReader(data), size, sniffFormat(data), name)
	return analysis{an, doc, res, err}
}
