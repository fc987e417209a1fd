module github.com/lianjian/lianjian

go 1.26.0
