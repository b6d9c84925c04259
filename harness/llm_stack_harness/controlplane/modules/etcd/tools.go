//go:build tools

// Package tools pins the dependency graph of go.etcd.io/etcd/server/v3: the wrapper module requires it so
// that go.sum covers every module the binary is built from (go build -mod=readonly go.etcd.io/etcd/server/v3).
package tools

import _ "go.etcd.io/etcd/server/v3"
