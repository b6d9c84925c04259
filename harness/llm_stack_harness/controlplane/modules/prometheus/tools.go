//go:build tools

// Package tools pins the dependency graph of github.com/prometheus/prometheus/cmd/prometheus: the wrapper module
// requires it so that go.sum covers every module the binary is built from (go build -mod=readonly
// github.com/prometheus/prometheus/cmd/prometheus).
package tools

import _ "github.com/prometheus/prometheus/cmd/prometheus"
