#!/usr/bin/env bash
# Refreshes the YASGUI editor that `kg serve` ships at /yasgui, from the npm package
# @zazuko/yasgui (MIT). Run by hand when moving to another version, then commit the result:
#
#     scripts/refresh-yasgui.sh            # the pinned version below
#     scripts/refresh-yasgui.sh 4.6.3      # another exact version (then update the pin)
#
# Needs npm (it only downloads the package's tarball; nothing is installed). The package's
# build/ holds one self-contained UMD bundle (its dependencies are bundled in), so only
# yasgui.min.js and yasgui.min.css are copied; the source maps are left out (7 MB).
# kg never fetches anything at run time: the copied files are served from the package.
set -euo pipefail

PINNED=4.6.2
version="${1:-$PINNED}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "refresh-yasgui: an exact version is needed (like $PINNED), not '$version'" >&2
    exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$here/src/kg/http/static/yasgui"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "@zazuko/yasgui@$version" >/dev/null)
tar -xzf "$work"/zazuko-yasgui-"$version".tgz -C "$work"
package="$work/package"
licence="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["license"])' "$package/package.json")"
if [[ "$licence" != "MIT" ]]; then
    echo "refresh-yasgui: @zazuko/yasgui@$version is licensed '$licence', not MIT: not copied" >&2
    exit 1
fi

mkdir -p "$target"
cp "$package/build/yasgui.min.js" "$package/build/yasgui.min.css" "$target/"
# The tarball carries no licence file: its package.json declares MIT, author Triply.
cat > "$target/LICENSE" <<'LICENCE'
MIT License

Copyright (c) Triply B.V. and Zazuko GmbH (YASGUI, https://github.com/zazuko/Yasgui)

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENCE

js_sum="$(sha256sum "$target/yasgui.min.js" | cut -d' ' -f1)"
css_sum="$(sha256sum "$target/yasgui.min.css" | cut -d' ' -f1)"
cat > "$target/README.md" <<README
# YASGUI $version

The SPARQL editor of \`kg serve\` (page \`/yasgui\`): \`@zazuko/yasgui@$version\` from the
npm registry, MIT (see LICENSE; the package declares it in its package.json and ships no
licence file). Fetched with \`scripts/refresh-yasgui.sh $version\`, which runs
\`npm pack @zazuko/yasgui@$version\` and copies \`build/yasgui.min.js\` and
\`build/yasgui.min.css\` unchanged (the source maps are left out).

The bundle is self-contained: Yasqe, Yasr and their dependencies (CodeMirror,
DataTables, jQuery, N3, DOMPurify, PapaParse, SortableJS, lodash-es, Font Awesome's free
icons and a few more, under MIT or similarly permissive licences) are compiled into
yasgui.min.js, so nothing else is loaded at run time.

| file | sha256 |
| --- | --- |
| yasgui.min.js | \`$js_sum\` |
| yasgui.min.css | \`$css_sum\` |
README
echo "refresh-yasgui: @zazuko/yasgui@$version -> $target"
