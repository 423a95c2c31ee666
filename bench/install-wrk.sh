#!/usr/bin/env bash
# Installs Debian's wrk for `make bench` when it is missing and we may (root); otherwise says the bench
# falls back to its Python load generator (bench/loadgen.py). Never fails the bench.
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq wrk >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; }
fi
command -v wrk >/dev/null 2>&1 || echo "bench: wrk unavailable; using the Python load generator" >&2
exit 0
