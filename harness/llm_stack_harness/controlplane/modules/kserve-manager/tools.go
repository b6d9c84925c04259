//go:build tools

// Package tools pins the dependency graph of github.com/kserve/kserve/cmd/manager: the wrapper module requires it so
// that go.sum covers every module the binary is built from (go build -mod=readonly github.com/kserve/kserve/cmd/manager).
package tools

import _ "github.com/kserve/kserve/cmd/manager"
