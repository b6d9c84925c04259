//go:build tools

// Package tools pins the dependency graph of github.com/prometheus-operator/prometheus-operator/cmd/operator: the wrapper
// module requires it so that go.sum covers every module the binary is built from (go build -mod=readonly
// github.com/prometheus-operator/prometheus-operator/cmd/operator). Upstream's two replace directives point at its own
// pkg/apis/monitoring and pkg/client folders, published as modules of the same version, which the go.mod requires.
package tools

import _ "github.com/prometheus-operator/prometheus-operator/cmd/operator"
