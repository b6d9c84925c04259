//go:build tools

// Package tools pins the dependency graph of k8s.io/kubernetes/cmd/kube-apiserver, cmd/kube-controller-manager and
// cmd/kube-scheduler: the wrapper module requires it so that go.sum covers every module the binaries are built from
// (go build -mod=readonly k8s.io/kubernetes/cmd/<binary>).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
