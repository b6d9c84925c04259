//go:build tools

// Package tools pins the dependency graph of sigs.k8s.io/gateway-api-inference-extension/cmd/epp: the wrapper module requires it so
// that go.sum covers every module the binary is built from (go build -mod=readonly sigs.k8s.io/gateway-api-inference-extension/cmd/epp).
package tools

import _ "sigs.k8s.io/gateway-api-inference-extension/cmd/epp"
