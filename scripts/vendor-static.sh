#!/usr/bin/env bash
# Re-vendor front-end assets from the npm registry into shegong/static/vendor/.
# The files are committed: deployments run on closed networks and use no CDN.
# Usage: scripts/vendor-static.sh   (needs npm; run only when upgrading)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=shegong/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {  # package@version -> unpacked dir
  local spec=$1 dir="$tmp/$(echo "$1" | tr '/@' '__')"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
  echo "$dir/package"
}
mkdir -p "$dest/bootstrap" "$dest/htmx" "$dest/echarts" "$dest/idb-keyval"
b=$(fetch bootstrap@5.3.9)
cp "$b/dist/css/bootstrap.min.css" "$b/dist/css/bootstrap.min.css.map" "$dest/bootstrap/"
cp "$b/dist/js/bootstrap.bundle.min.js" "$b/dist/js/bootstrap.bundle.min.js.map" "$dest/bootstrap/"
cp "$b/LICENSE" "$dest/bootstrap/LICENSE"
h=$(fetch htmx.org@2.0.11)
cp "$h/dist/htmx.min.js" "$dest/htmx/"
cp "$h/LICENSE" "$dest/htmx/LICENSE"
e=$(fetch echarts@${ECHARTS:-6.1.0})
cp "$e/dist/echarts.min.js" "$dest/echarts/"
cp "$e/LICENSE" "$e/NOTICE" "$dest/echarts/" 2>/dev/null || cp "$e/LICENSE" "$dest/echarts/"
k=$(fetch idb-keyval@6.3.0)
cp "$k/dist/umd.js" "$dest/idb-keyval/idb-keyval.min.js"
cp "$k/LICENCE" "$dest/idb-keyval/LICENSE"
cat > "$dest/VERSIONS" <<TXT
bootstrap 5.3.9 (MIT) from the npm registry
htmx.org 2.0.11 (0BSD) from the npm registry
echarts ${ECHARTS:-6.1.0} (Apache-2.0) from the npm registry
idb-keyval 6.3.0 (Apache-2.0) from the npm registry
TXT
echo "vendored into $dest"
