#!/usr/bin/env bash
# Build bsoncheck (MongoDB's Go BSON library) into tools/bsoncheck/bin/. Needs Go >= 1.22 and the
# Go module proxy. Prints the binary path. Used by tests/jobs/test_bson_interop.py.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p bin
GOFLAGS=-mod=mod go build -o bin/bsoncheck . >&2
echo "$PWD/bin/bsoncheck"
