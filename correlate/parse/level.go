package parse

// Levels are normalised to lower-case words: trace, debug, info, warn,
// error, fatal, panic (and dpanic, zap's development panic). Recognised
// spellings, in any case: the words themselves, warning, err, crit,
// critical, severe and alert (go-zero's; read as error), emerg (fatal), notice
// (info), zerolog's console TRC DBG INF WRN ERR FTL PNC, logrus's
// warning. Numbers: zerolog's -1..5 and pino/bunyan's 10..60. Other level
// words in a JSON or key=value level field are kept lower-cased (go-zero's
// "slow", "stat"); in free text only the recognised words make a level.

const (
	lvlTrace  = "trace"
	lvlDebug  = "debug"
	lvlInfo   = "info"
	lvlWarn   = "warn"
	lvlError  = "error"
	lvlFatal  = "fatal"
	lvlPanic  = "panic"
	lvlDPanic = "dpanic"
)

// normalizeLevel maps a level word to its normal form; "" when unknown.
func normalizeLevel(b []byte) string {
	if len(b) == 0 || len(b) > 11 {
		return ""
	}
	var buf [11]byte
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(b)]) {
	case "trace", "trc", "trac", "finest", "finer":
		return lvlTrace
	case "debug", "dbg", "debu", "fine", "verbose":
		return lvlDebug
	case "info", "inf", "information", "informational", "notice":
		return lvlInfo
	case "warn", "wrn", "warning":
		return lvlWarn
	case "error", "err", "erro", "severe", "crit", "critical", "alert":
		return lvlError
	case "fatal", "ftl", "fata", "emerg", "emergency":
		return lvlFatal
	case "panic", "pnc", "pani":
		return lvlPanic
	case "dpanic", "dpnc":
		return lvlDPanic
	}
	return ""
}

// numericLevel maps zerolog (-1..5) and pino/bunyan (10..60) numbers.
func numericLevel(b []byte) string {
	switch string(b) {
	case "-1", "10":
		return lvlTrace
	case "0", "20":
		return lvlDebug
	case "1", "30":
		return lvlInfo
	case "2", "40":
		return lvlWarn
	case "3", "50":
		return lvlError
	case "4", "60":
		return lvlFatal
	case "5":
		return lvlPanic
	}
	return ""
}
