package analyze

// Progress hears how far an analysis is. Calls come from the goroutine
// running the analysis; implementations draw elsewhere.
type Progress interface {
	// Files is called once the bundle is read: how many artifacts, how many bytes.
	Files(count int, bytes int64)
	// Parsing is called before each artifact is parsed.
	Parsing(path string, size int64)
	// Phase names a step after parsing ("rules").
	Phase(name string)
}

type noProgress struct{}

func (noProgress) Files(int, int64)      {}
func (noProgress) Parsing(string, int64) {}
func (noProgress) Phase(string)          {}
