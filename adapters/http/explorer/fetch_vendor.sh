#!/usr/bin/env bash
# Refresh the vendored JavaScript libraries of the explorer page (static/vendor/) from the npm
# registry: for each pinned package, its ES module entry file and its licence, nothing else.
# The page loads them through the import map in static/index.html; nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
packages=(
    @codemirror/state@6.7.6:dist/index.js
    @codemirror/view@6.44.2:dist/index.js
    @codemirror/language@6.13.1:dist/index.js
    @codemirror/commands@6.11.2:dist/index.js
    @codemirror/autocomplete@6.20.4:dist/index.js
    @codemirror/lang-json@6.0.2:dist/index.js
    @codemirror/streamparser@6.0.0:dist/index.js
    @lezer/common@1.5.7:dist/index.js
    @lezer/highlight@1.2.5:dist/index.js
    @lezer/lr@1.4.13:dist/index.js
    @lezer/json@1.0.3:dist/index.js
    @marijn/find-cluster-break@1.0.4:src/index.js
    crelt@1.0.7:index.js
    style-mod@4.1.5:src/style-mod.js
    w3c-keyname@2.2.8:index.js
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf static/vendor
for entry in "${packages[@]}"; do
    spec=${entry%%:*} file=${entry#*:}
    name=${spec%@*}
    tarball=$(cd "$work" && npm pack --silent "$spec")
    mkdir -p "$work/$name" "static/vendor/$name"
    tar -xzf "$work/$tarball" -C "$work/$name"
    cp "$work/$name/package/$file" "static/vendor/$name/index.js"
    cp "$work/$name/package/LICENSE" "static/vendor/$name/LICENSE"
    echo "$spec $(sha256sum "$work/$tarball" | cut -d' ' -f1)" >> static/vendor/VERSIONS
done
