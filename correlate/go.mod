module github.com/traceline/traceline/correlate

go 1.26
