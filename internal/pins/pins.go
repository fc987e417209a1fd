//go:build tools

// Package pins keeps the required module versions in go.mod while the
// packages that import them are being written. go mod tidy honours it.
package pins

import (
	_ "github.com/dgraph-io/badger/v4"
	_ "github.com/emmansun/gmsm/sm2"
	_ "github.com/ethereum/go-ethereum/ethclient"
	_ "github.com/gin-gonic/gin"
	_ "github.com/hyperledger/fabric-protos-go/common"
	_ "github.com/hyperledger/fabric-sdk-go/pkg/fabsdk"
)
