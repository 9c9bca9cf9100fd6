// Package torture proves that the correlator's follower loses nothing,
// duplicates nothing and files nothing under the wrong trace while its log
// files rotate under it and the process indexing them is killed with
// SIGKILL at random moments.
//
// A Writer streams the lines of loggen's synthetic services (every log
// format the parser knows) into a live folder and rotates the files as it
// goes; Check compares a store to what the Writer wrote. The tests in this
// package drive both: the short run is part of `go test ./...`, the long
// one runs with TORTURE=long (`make torture`).
//
//	w, _ := torture.NewWriter(stage, live, torture.WriterConfig{Entries: 20000, Seed: 1})
//	for w.Step() {
//		// an indexer follows live; kill and restart it at will
//	}
//	res, _ := torture.Check(ctx, st, w)
//	// res.Lost, res.Duplicated, res.WrongID must be 0
//
// # Rotation
//
// After a few hundred lines a file is rotated in one of three ways, at
// random:
//
//   - rename and create: app.log becomes app.log.N; the writer keeps
//     appending a few lines through its open descriptor (they land in
//     app.log.N, as they do before a real service reopens its file), then
//     creates a new app.log;
//   - copytruncate: app.log is copied to app.log.N and truncated. Lines
//     written between the copy and the truncate would be lost by any
//     reader; the writer writes nothing to that file in between, so
//     the ground truth stays exact;
//   - either of the above followed by gzip of app.log.N into app.log.N.gz
//     (written in place, as gzip does, then the plain file removed).
//
// # Ground truth
//
// Every entry loggen writes is traced (UntracedPercent -1), so the store
// keeps its raw text. The Writer records each line it wrote (for a
// Kubernetes CRI line, the payload after the wrapper, which is what the
// store keeps) and the trace id found in its text; Check reads the whole
// store with Range and counts, per line, how many times it is there and
// under which trace id, then looks every trace up with Logs and compares
// the count with loggen's.
package torture
