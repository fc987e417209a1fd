module example.com/missing

go 1.22

require example.com/absent v1.0.0
