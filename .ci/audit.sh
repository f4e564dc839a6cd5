#!/usr/bin/env bash
# Known vulnerabilities in the locked dependencies: export uv.lock as a requirements file
# and check it with pip-audit (PyPA; advisories from the PyPI/OSV database). uv has no
# audit command of its own. Fails when a locked package has a known vulnerability.
# Needs network access to PyPI: the package index (pip-audit itself) and its JSON API
# (https://pypi.org/pypi/<name>/<version>/json, the advisories).
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-$(command -v uv 2>/dev/null || echo var/tools/bin/uv)}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$UV" export --frozen --no-hashes --no-emit-project --format requirements-txt \
  -o "$WORK/requirements.txt" >/dev/null
count=$(grep -cE '^[A-Za-z0-9]' "$WORK/requirements.txt" || true)
echo "audit: $count locked packages"
# --no-deps: the export is already the full, pinned set; --disable-pip: nothing to install;
# --strict: a package that could not be checked (advisory service unreachable) fails the
# audit instead of passing silently.
if ! "$UV" run --no-project --with pip-audit -- pip-audit --progress-spinner off --strict \
  --requirement "$WORK/requirements.txt" --no-deps --disable-pip --desc on; then
  echo "audit: FAILED: a known vulnerability, or a package that could not be checked (above)" >&2
  exit 1
fi
echo "audit: no known vulnerability in the lock"
