module github.com/lianjian/lianjian/internal/testnet/tools/fisco

go 1.26

require (
	github.com/FISCO-BCOS/crypto v0.0.0-20200202032121-bd8ab0b5d4f1
	github.com/FISCO-BCOS/go-sdk v1.0.0
	github.com/FISCO-BCOS/go-sdk/v3 v3.0.2
	github.com/TarsCloud/TarsGo v1.4.5
	github.com/ethereum/go-ethereum v1.13.10
)

require (
	github.com/btcsuite/btcd/btcec/v2 v2.3.2 // indirect
	github.com/btcsuite/btcd/chaincfg/chainhash v1.1.0 // indirect
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.2.0 // indirect
	github.com/holiman/uint256 v1.2.4 // indirect
	github.com/sirupsen/logrus v1.9.3 // indirect
	golang.org/x/crypto v0.18.0 // indirect
	golang.org/x/sys v0.16.0 // indirect
)
