//go:build tools

// Package tools pins SeaweedFS (`weed`, Apache-2.0), the local S3 server of `make run` and the
// tests. Built by tools/fetms_cli/seaweedfs_build.py into a cache outside the work tree:
//
//	go build -ldflags="-s -w" -o <cache>/weed github.com/seaweedfs/seaweedfs/weed
//
// go.mod repeats SeaweedFS's own `replace` (go-bip39), which is why `go install ...@version`
// cannot build it directly.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
