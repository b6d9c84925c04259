//go:build tools

// Package tools pins the dependency graph of github.com/kedacore/keda/v2/cmd/adapter: the wrapper module requires it so
// that go.sum covers every module the binary is built from (go build -mod=readonly github.com/kedacore/keda/v2/cmd/adapter).
package tools

import _ "github.com/kedacore/keda/v2/cmd/adapter"
