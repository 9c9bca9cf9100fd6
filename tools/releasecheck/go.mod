module github.com/traceline/traceline/tools/releasecheck

go 1.26.0

require golang.org/x/mod v0.42.0 // indirect
