package metrics

import (
	"bufio"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// A family is one metric name with its HELP and TYPE lines and its series,
// as the text format groups them.
type family interface {
	write(w *bufio.Writer)
}

func writeHeader(w *bufio.Writer, name, typ, help string) {
	w.WriteString("# HELP " + name + " " + escapeHelp(help) + "\n")
	w.WriteString("# TYPE " + name + " " + typ + "\n")
}

// writeSample writes one line: name{label="value",…} value.
func writeSample(w *bufio.Writer, name string, labels, values []string, v float64) {
	w.WriteString(name)
	if len(labels) > 0 {
		w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l + `="` + escapeLabel(values[i]) + `"`)
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(formatValue(v))
	w.WriteByte('\n')
}

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, +1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

// counterVec is a counter with labels (or none: then it has one series).
// Series are created on first use and served sorted by their label values,
// so a scrape reads the same from one time to the next. Labels are given
// in the order of their names, as Prometheus's own client writes them.
type counterVec struct {
	name, help string
	labels     []string

	mu     sync.Mutex
	series map[string]*counterSeries // by label values joined with \xff
}

type counterSeries struct {
	values []string
	n      atomic.Uint64
}

func newCounterVec(name, help string, labels ...string) *counterVec {
	return &counterVec{name: name, help: help, labels: labels, series: map[string]*counterSeries{}}
}

// with returns the series of these label values, one per label.
func (c *counterVec) with(values ...string) *atomic.Uint64 {
	if len(values) != len(c.labels) {
		panic("metrics: " + c.name + " takes " + strconv.Itoa(len(c.labels)) + " label values")
	}
	key := strings.Join(values, "\xff")
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.series[key]
	if !ok {
		s = &counterSeries{values: slices.Clone(values)}
		c.series[key] = s
	}
	return &s.n
}

func (c *counterVec) write(w *bufio.Writer) {
	c.mu.Lock()
	series := make([]*counterSeries, 0, len(c.series))
	for _, s := range c.series {
		series = append(series, s)
	}
	c.mu.Unlock()
	slices.SortFunc(series, func(a, b *counterSeries) int { return slices.Compare(a.values, b.values) })
	writeHeader(w, c.name, "counter", c.help)
	for _, s := range series {
		writeSample(w, c.name, c.labels, s.values, float64(s.n.Load()))
	}
}

// gauge is a value that goes up and down.
type gauge struct {
	name, help string
	v          atomic.Int64
}

func newGauge(name, help string) *gauge { return &gauge{name: name, help: help} }

func (g *gauge) Add(d int64) { g.v.Add(d) }

func (g *gauge) write(w *bufio.Writer) {
	writeHeader(w, g.name, "gauge", g.help)
	writeSample(w, g.name, nil, nil, float64(g.v.Load()))
}

// histogram counts observations into buckets with fixed upper bounds.
type histogram struct {
	name, help string
	bounds     []float64 // ascending; +Inf is implied

	mu     sync.Mutex
	counts []uint64 // per bucket, not cumulative; the last is above every bound
	sum    float64
}

func newHistogram(name, help string, bounds ...float64) *histogram {
	return &histogram{name: name, help: help, bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) Observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v) // the first bound ≥ v: buckets are "le"
	h.mu.Lock()
	h.counts[i]++
	h.sum += v
	h.mu.Unlock()
}

func (h *histogram) write(w *bufio.Writer) {
	h.mu.Lock()
	counts, sum := slices.Clone(h.counts), h.sum
	h.mu.Unlock()
	writeHeader(w, h.name, "histogram", h.help)
	le := []string{"le"}
	var total uint64
	for i, n := range counts {
		total += n
		bound := math.Inf(+1)
		if i < len(h.bounds) {
			bound = h.bounds[i]
		}
		writeSample(w, h.name+"_bucket", le, []string{formatValue(bound)}, float64(total))
	}
	writeSample(w, h.name+"_sum", nil, nil, sum)
	writeSample(w, h.name+"_count", nil, nil, float64(total))
}
