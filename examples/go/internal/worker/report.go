package worker

import (
	"log"
	"time"

	"example.com/inventory/internal/catalog"
)

// StatsSource is anything that can report cache statistics.
type StatsSource interface {
	Stats() catalog.Stats
}

// ReportEvery logs the cache's size and hit rate once per interval.
func ReportEvery(every time.Duration, src StatsSource, logger *log.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		s := src.Stats()
		ratio := 0.0
		if total := s.Hits + s.Misses; total > 0 {
			ratio = float64(s.Hits) / float64(total)
		}
		logger.Printf("cache: %d items, hit ratio %.2f", s.Items, ratio)
	}
}
