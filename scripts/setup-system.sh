#!/usr/bin/env bash
# What a fresh Debian machine lacks for Tandem's tests: Chromium (real VS Code UI tests), ripgrep
# (seeds @vscode/ripgrep, whose postinstall would download it) and libkrb5-dev (code-server's
# kerberos module builds from source). Safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || ! command -v krb5-config >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq chromium ripgrep libkrb5-dev >/dev/null
fi
# @vscode/ripgrep skips its download when this tarball is already in its cache folder.
cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$tarball" ]; then
  mkdir -p "$cache/stage"
  cp /usr/bin/rg "$cache/stage/rg"
  tar czf "$tarball" -C "$cache/stage" rg
  rm -rf "$cache/stage"
fi
