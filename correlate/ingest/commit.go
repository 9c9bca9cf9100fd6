package ingest

import (
	"context"
	"sync"

	"github.com/traceline/traceline/correlate/store"
)

// committer writes batches in its own goroutine, in order, so that parsing
// the next batch overlaps with storing this one.
type committer struct {
	ctx  context.Context
	w    store.Writer
	jobs chan job
	free chan []store.Entry
	wg   sync.WaitGroup

	mu  sync.Mutex
	err error
}

type job struct {
	entries []store.Entry
	cp      store.Checkpoint
	done    chan struct{} // closed after the write, for sync
}

func newCommitter(ctx context.Context, w store.Writer) *committer {
	c := &committer{ctx: ctx, w: w, jobs: make(chan job, 2), free: make(chan []store.Entry, 4)}
	c.wg.Add(1)
	go c.run()
	return c
}

func (c *committer) run() {
	defer c.wg.Done()
	for j := range c.jobs {
		if j.done != nil {
			close(j.done)
			continue
		}
		if c.failed() == nil {
			if err := c.w.Write(c.ctx, j.entries, j.cp); err != nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
			}
		}
		clear(j.entries)
		select {
		case c.free <- j.entries[:0]:
		default:
		}
	}
}

func (c *committer) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *committer) submit(entries []store.Entry, cp store.Checkpoint) error {
	if err := c.failed(); err != nil {
		return err
	}
	c.jobs <- job{entries: entries, cp: cp}
	return nil
}

// sync waits until everything submitted is written.
func (c *committer) sync() error {
	done := make(chan struct{})
	c.jobs <- job{done: done}
	<-done
	return c.failed()
}

// close waits for the writes and stops the goroutine.
func (c *committer) close() error {
	close(c.jobs)
	c.wg.Wait()
	return c.failed()
}

func (t *tailer) getEntries() []store.Entry {
	select {
	case e := <-t.commit.free:
		return e
	default:
		return make([]store.Entry, 0, t.cfg.BatchEntries+64)
	}
}
