// Package ingest reads log files into a store: files, folders and globs,
// once (Index, for `correlate index`) or continuously (Follower, for
// `correlate serve`).
//
// # Files and identity
//
// A path names a file, a folder (every regular file under it, recursively;
// symbolic links followed) or a glob (path.Match syntax, one level). A file
// is found by a fingerprint: a hash of the host name and its first
// FingerprintBytes bytes (decompressed, for a .gz file). So a rotated file
// is recognised under its new name, and a rotated file that is then
// compressed (a.log.1 → a.log.1.gz) is not read twice. A file shorter than
// FingerprintBytes is known by what it has, and its fingerprint grows with
// it. A file with no complete line yet is not read.
//
// Two files may start alike (two services, or one after a restart, print
// the same banner), so a matching fingerprint is only a candidate: a file
// with the same device and inode is the file its checkpoint names while it
// still holds what was read (the bytes before the checkpoint); emptied and
// written again (copytruncate), it is a new file. One under another inode
// is a file of its own when it reaches the checkpoint's offset with other
// bytes before it than those read, or when the file the checkpoint names
// is still there (at its path, or renamed to another path being read),
// holding what was read, and their bytes differ; otherwise it may be a
// copy (copytruncate, a compressed copy) and continues that file. A
// candidate shorter than what was read, with the file read truncated or
// gone, may be a copy still being written: it waits until it has not
// changed for 5 seconds (by its modification time), and is then a file of
// its own, read from its start — unless it ends where one of the last
// lines read ended, with the same bytes (a copytruncate copy that lacks
// the lines written between the copy and the truncation, or a snapshot),
// in which case it is a file of its own whose lines up to its end are
// already read. Index judges the same way, so a shorter file written in
// the last 5 seconds is left for its next run. A .gz is judged by what it
// decompresses to, once its whole stream verifies. See identify.go.
//
// A .gz is read only once its whole stream verifies (its CRC is at its
// end), so no line of a damaged one is indexed; a .gz still being written
// is read when its compressor has finished (once it has not changed for a
// poll, so that it is not decompressed again on every poll as it grows). A file that cannot be read —
// a .gz with a bad CRC, a corrupt deflate stream or cut short, a read
// error, a named pipe or device — costs only itself: it is counted in
// Stats.Errors, named with the reason in Stats.Failed, and skipped; the
// Follower tries it again only once it changes (size, time or inode).
//
// # Checkpoints
//
// After each batch of entries the file's checkpoint (byte offset and line
// number to resume at) is written with the entries in one atomic store
// write. The resume point is the first line the parser has not yet emitted
// in a record (parse.Assembler.Pending), so an entry with continuation
// lines, or a container line split into partials, is re-read whole after a
// restart. Entries are keyed by file and offset: re-reading overwrites,
// never duplicates. Killing the process at any moment loses nothing and
// duplicates nothing.
//
// # Lines
//
// A line ends at '\n' ("\r\n" too). A last line without its newline waits
// for it (in Index it is counted as Stats.Partial and left for the next
// run). A line longer than MaxLineBytes is cut there and marked
// parse.ProblemTooLong; the rest of it up to its newline is skipped.
// Invalid UTF-8 is kept as it is; the JSON output shows each bad byte as
// U+FFFD.
//
// # Rotation (Follower)
//
// Every PollInterval the Follower reads what is new in the files it
// follows (a file whose size and modification time have not changed is
// not read). It lists its paths again for new files every
// DiscoverInterval (500 ms), and at once after a poll finds a followed
// path gone, naming another file, or truncated: a rotation's files are
// found on the next poll, and a new file's first lines take up to
// DiscoverInterval longer to be found than a followed file's. Rotations:
//
//   - rename and create (logrotate's default): the open file keeps being
//     read to its end under its new name if that name is among the paths
//     (watch "app.log*"), else through the descriptor it already holds; the
//     new file is read from its start;
//   - copytruncate: the copy has the old fingerprint and is read on from
//     where the original was left; the truncated original is a new file.
//     Lines written after the copy and before the truncate are in neither
//     file: copytruncate loses them, whoever reads the files (logrotate's
//     documentation says so). Lines the Follower had not yet read when the
//     copy was made are read from the copy only if its name is among the
//     paths;
//   - compression of a rotated file: the .gz has the fingerprint of its
//     plain content and continues (or, usually, finishes) that file. A
//     file is gzip when the read of its head starts with gzip's magic; an
//     empty .gz (its compressor has not flushed yet) is looked at again on
//     the next poll;
//   - deletion: the entries stay in the store until retention drops them.
//
// A complete JSON line is written at once. A text entry whose
// continuation lines (a stack trace) may still come is held back until the
// next entry starts or the file has been idle for IdleFlush. Config.Trace, when set, is told every
// decision about a file (opened at a checkpoint, renamed, truncated,
// re-attached, closed).
package ingest
