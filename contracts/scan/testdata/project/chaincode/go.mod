module example.com/ledgercc

go 1.22
