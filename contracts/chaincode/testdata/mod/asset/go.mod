module example.com/asset

go 1.22

require (
	github.com/hyperledger/fabric-chaincode-go/v2 v2.0.0
	github.com/hyperledger/fabric-contract-api-go/v2 v2.0.0
	github.com/hyperledger/fabric-protos-go-apiv2 v0.0.0
)

replace (
	github.com/hyperledger/fabric-chaincode-go/v2 => ../../src/github.com/hyperledger/fabric-chaincode-go/v2
	github.com/hyperledger/fabric-contract-api-go/v2 => ../../src/github.com/hyperledger/fabric-contract-api-go/v2
	github.com/hyperledger/fabric-protos-go-apiv2 => ../../src/github.com/hyperledger/fabric-protos-go-apiv2
)
