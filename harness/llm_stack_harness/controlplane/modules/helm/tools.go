//go:build tools

// Package tools pins the dependency graph of helm.sh/helm/v3/cmd/helm: the wrapper module requires it so
// that go.sum covers every module the binary is built from (go build -mod=readonly helm.sh/helm/v3/cmd/helm).
package tools

import _ "helm.sh/helm/v3/cmd/helm"
