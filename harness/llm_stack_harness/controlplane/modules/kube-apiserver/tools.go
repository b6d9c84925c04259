//go:build tools

// Package tools pins the dependency graph of k8s.io/kubernetes/cmd/kube-apiserver: the wrapper module requires it so
// that go.sum covers every module the binary is built from (go build -mod=readonly k8s.io/kubernetes/cmd/kube-apiserver).
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
