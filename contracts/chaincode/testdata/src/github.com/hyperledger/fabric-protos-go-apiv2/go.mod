module github.com/hyperledger/fabric-protos-go-apiv2

go 1.22
