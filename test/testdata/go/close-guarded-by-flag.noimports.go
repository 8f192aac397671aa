package queue

// Queue hands items to one consumer.
type Queue struct {
	items  chan int
	sealed bool
}

// Seal stops producers; a second Seal must not panic.
func (q *Queue) Seal() {
	if !q.sealed {
		q.sealed = true
		close(q.items) // want GO101 "two goroutines can both pass the check"
	}
}
