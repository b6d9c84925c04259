//go:build tools

// Package tools pins the dependency graph of github.com/envoyproxy/ai-gateway/cmd/extproc: the wrapper module requires it so
// that go.sum covers every module the binary is built from (go build -mod=readonly github.com/envoyproxy/ai-gateway/cmd/extproc).
package tools

import _ "github.com/envoyproxy/ai-gateway/cmd/extproc"
