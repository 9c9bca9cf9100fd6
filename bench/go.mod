module github.com/traceline/traceline/bench

go 1.26.0

replace github.com/traceline/traceline => ../
