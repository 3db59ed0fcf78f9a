package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progressBar draws on a terminal's stderr, and only once the analysis has
// run for a moment: a quick run, a pipe or a CI log stays quiet.
type progressBar struct {
	w     io.Writer
	start time.Time
	delay time.Duration

	mu               sync.Mutex
	files, done      int
	bytes, doneBytes int64
	current, phase   string
	lastSize         int64
	stop             chan struct{}
	stopped          sync.WaitGroup
	drawn            bool
	closeOnce        sync.Once
}

// newProgress returns nil unless stderr is a terminal.
func newProgress(stderr io.Writer) *progressBar {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	p := &progressBar{w: stderr, start: time.Now(), delay: time.Second, stop: make(chan struct{})}
	p.stopped.Add(1)
	go p.loop()
	return p
}

func (p *progressBar) Files(count int, bytes int64) {
	p.mu.Lock()
	p.files, p.bytes = count, bytes
	p.mu.Unlock()
}

func (p *progressBar) Parsing(path string, size int64) {
	p.mu.Lock()
	if p.current != "" {
		p.done++
		p.doneBytes += p.lastSize
	}
	p.current, p.lastSize = path, size
	p.mu.Unlock()
}

func (p *progressBar) Phase(name string) {
	p.mu.Lock()
	p.phase = name
	p.mu.Unlock()
}

func (p *progressBar) loop() {
	defer p.stopped.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			if time.Since(p.start) >= p.delay {
				p.draw()
			}
		}
	}
}

func (p *progressBar) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	const width = 30
	frac := 1.0
	if p.bytes > 0 {
		frac = float64(p.doneBytes) / float64(p.bytes)
	}
	fill := int(frac * width)
	line := fmt.Sprintf("[%s%s] %3.0f%% %d/%d files %s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, p.done, p.files, time.Since(p.start).Round(time.Second))
	if p.phase != "" {
		line += " · " + p.phase
	} else if p.current != "" {
		line += " · " + shorten(p.current, 50)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.drawn = true
}

// Close stops drawing and clears the line.
func (p *progressBar) Close() {
	if p == nil {
		return
	}
	p.closeOnce.Do(func() {
		close(p.stop)
		p.stopped.Wait()
		if p.drawn {
			fmt.Fprint(p.w, "\r\x1b[K")
		}
	})
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n+1:]
}
