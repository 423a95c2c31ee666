#!/usr/bin/env bash
# Builds FerretDB 1.24.2 into ./.tools/bin (git-ignored); does nothing when it is already built.
#
# Why not a bare `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: the module as published
# ships an empty build/version/version.txt, and a binary built from it panics at start ("Invalid
# build/version/version.txt file content"). Go refuses -overlay for files in the module cache, so we
# `go install` the same module source from a writable copy with the version file filled in.
set -euo pipefail
VERSION=v1.24.2
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin/ferretdb"

# Capture first: `grep -q` closing the pipe early would SIGPIPE the binary and fail under pipefail.
if [ -x "$BIN" ] && built=$("$BIN" --version 2>/dev/null) && [[ "$built" == *"version: $VERSION"* ]]; then
    exit 0
fi
command -v go >/dev/null || { echo "build-ferretdb: Go is required (https://go.dev/dl/)" >&2; exit 1; }

echo "build-ferretdb: building FerretDB $VERSION into $TOOLS/bin (first run only, ~2 min)" >&2
src_dir=$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$src_dir" ] || { echo "build-ferretdb: go mod download failed" >&2; exit 1; }

work="$TOOLS/src/ferretdb-$VERSION"
rm -rf "$work"
mkdir -p "$TOOLS/src" "$TOOLS/bin"
cp -r "$src_dir" "$work"
chmod -R u+w "$work"
echo "$VERSION" > "$work/build/version/version.txt"
(cd "$work" && GOBIN="$TOOLS/bin" GOFLAGS=-buildvcs=false go install ./cmd/ferretdb)
rm -rf "$work"
built=$("$BIN" --version)
echo "${built%%$'\n'*}" >&2
