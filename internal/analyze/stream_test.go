package analyze

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers/all"
	"github.com/ktriage/ktriage/internal/parsers/pcap/pcapgen"
	"github.com/ktriage/ktriage/internal/report"
)

// streamCases writes one capture as a bare .pcap.gz, inside a .tgz, a
// .tar.gz and a .zip, each with a text file beside it in the archives.
func streamCases(t *testing.T) (capture []byte, files map[string]string) {
	t.Helper()
	var pc bytes.Buffer
	if _, err := pcapgen.Write(&pc, pcapgen.Config{Seed: 3, SizeBytes: 2 << 20, Concurrent: 40, MaxResponse: 20}); err != nil {
		t.Fatal(err)
	}
	note := []byte("collected by hand\n")
	dir := t.TempDir()
	gz := func(b []byte) []byte {
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		zw.Write(b)
		zw.Close()
		return out.Bytes()
	}
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for name, body := range map[string][]byte{"node-1/eth0.pcap": pc.Bytes(), "node-1/notes.txt": note} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write(body)
	}
	tw.Close()
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for name, body := range map[string][]byte{"node-1/eth0.pcap": pc.Bytes(), "node-1/notes.txt": note} {
		w, _ := zw.Create(name)
		w.Write(body)
	}
	zw.Close()
	files = map[string]string{}
	for name, body := range map[string][]byte{
		"eth0.pcap.gz": gz(pc.Bytes()), "bundle.tgz": gz(tb.Bytes()), "bundle.tar.gz": gz(tb.Bytes()), "bundle.zip": zb.Bytes(),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		files[name] = p
	}
	return pc.Bytes(), files
}

// spoolParse is how every artifact was read before captures were
// streamed: spooled by the loader, then parsed from the copy.
func spoolParse(t *testing.T, in string, lim loader.Limits) ([]report.Input, *loader.Bundle) {
	t.Helper()
	b, err := loader.Load([]string{in}, lim, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	var out []report.Input
	for _, a := range b.Artifacts {
		out = append(out, parseOne(context.Background(), a, facts.NewBuilder(), all.Detect(a)))
	}
	return out, b
}

// parsedLines are Parse's inventory lines without what node attribution
// adds after parsing (the same whichever way the file was read).
func parsedLines(p *Parsed) []report.Input {
	out := append([]report.Input(nil), p.Inputs...)
	for i := range out {
		out[i].Node, out[i].AttributedBy = "", ""
	}
	return out
}

// A capture inside a compressed archive is analysed from the
// decompressing stream: nothing of it reaches the temp area, and its
// inventory line and facts are what reading a spooled copy gave.
func TestCompressedCaptureIsNotSpooled(t *testing.T) {
	capture, files := streamCases(t)
	for name, path := range files {
		t.Run(name, func(t *testing.T) {
			tmpParent := t.TempDir()
			p, err := Parse(context.Background(), Options{Inputs: []string{path}, TempDir: tmpParent})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			var captures []report.Input
			for _, in := range p.Inputs {
				if in.Kind == "pcap" {
					captures = append(captures, in)
				}
			}
			if len(captures) != 1 || captures[0].Status != report.StatusParsed || captures[0].Size != int64(len(capture)) {
				t.Fatalf("capture inputs %+v", captures)
			}
			// Only the text file beside the capture may have been spooled.
			var spooled int64
			filepath.WalkDir(p.Bundle.TempDir(), func(_ string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() && d.Name() != loader.LockName {
					info, _ := d.Info()
					spooled += info.Size()
				}
				return nil
			})
			wantSpooled := int64(len("collected by hand\n"))
			if name == "eth0.pcap.gz" {
				wantSpooled = 0
			}
			if spooled != wantSpooled {
				t.Errorf("%d bytes written to the temp area, want %d (the notes beside the capture)", spooled, wantSpooled)
			}
			want, _ := spoolParse(t, path, loader.Limits{})
			if got := parsedLines(p); !reflect.DeepEqual(got, want) {
				t.Errorf("streamed inputs\n%+v\nspooled\n%+v", got, want)
			}
			doc := p.Document()
			if caps := doc["nodes"]; caps == nil {
				t.Errorf("no node facts: %v", doc)
			}
		})
	}
}

// The caps hold for a streamed capture as for a spooled one: cut at the
// per-file cap, stopped at the total cap, with the same notes.
func TestStreamedCaptureKeepsTheCaps(t *testing.T) {
	_, files := streamCases(t)
	for _, lim := range []loader.Limits{{MaxFileSize: 1 << 20}, {MaxTotalSize: 1 << 20}} {
		path := files["bundle.tgz"]
		p, err := Parse(context.Background(), Options{Inputs: []string{path}, Limits: lim, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		want, wb := spoolParse(t, path, lim)
		// Parse adds the loader's notes to the lines; so must the spooled run.
		at := map[string]int{}
		for j, in := range want {
			at[in.File] = j
		}
		for _, s := range wb.Skipped {
			want = mergeSkip(want, at, s)
		}
		if got := parsedLines(p); !reflect.DeepEqual(got, want) || !reflect.DeepEqual(p.Bundle.CapsHit, wb.CapsHit) {
			t.Errorf("%+v: streamed\n%+v\n%v\nspooled\n%+v\n%v", lim, got, p.Bundle.CapsHit, want, wb.CapsHit)
		}
		if len(p.Bundle.CapsHit) == 0 {
			t.Errorf("%+v: no cap hit", lim)
		}
		p.Close()
	}
}
