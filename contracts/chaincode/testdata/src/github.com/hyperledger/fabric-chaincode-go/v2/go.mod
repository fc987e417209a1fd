module github.com/hyperledger/fabric-chaincode-go/v2

go 1.22

require github.com/hyperledger/fabric-protos-go-apiv2 v0.0.0
