#!/bin/sh
# `napi build` always passes `--target <triple>`, which gives the addon a dependency tree of
# its own (target/<triple>/debug). For the host triple this runs cargo without it, so the
# debug addon shares target/debug with every other debug build of the workspace, then puts
# the library where napi copies it from.
set -eu
host=$(rustc -vV | sed -n 's/^host: //p')
target=""
for arg in "$@"; do
    shift
    if [ "$target" = next ]; then target=$arg; continue; fi
    if [ "$arg" = --target ]; then target=next; continue; fi
    set -- "$@" "$arg"
done
if [ -n "$target" ] && [ "$target" != "$host" ]; then
    exec cargo "$@" --target "$target"
fi
cargo "$@"
dir=${CARGO_TARGET_DIR:?}
mkdir -p "$dir/$host/debug"
cp "$dir/debug/libnatskit_node.so" "$dir/$host/debug/libnatskit_node.so"
