"""Known vulnerabilities in the locked dependencies, from PyPI's advisory data (the source
pip-audit uses by default; PyPI gets it from the OSV database).

pip-audit and `uv audit` cannot run on this CI's network: pip-audit asks PyPI's per-release
endpoint (/pypi/<name>/<version>/json), which this network's index does not serve, and
`uv audit` asks api.osv.dev, which it does not reach. The project endpoint
(/pypi/<name>/json) is served; it lists the advisories of the project's newest release. So
each locked package is checked by its release endpoint when that answers, else by the
project endpoint when the lock holds the newest release; any other package is reported as
not checked. Exit 1 on a known vulnerability (or when nothing could be checked).

Standard library only: `python3 .ci/audit.py` from the repository root.
"""

import json
import sys
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PYPI = "https://pypi.org/pypi"


def fetch(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - fixed https URL
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def advisories(name: str, version: str) -> tuple[str, list[dict]]:
    """(how it was checked, live advisories) for one locked release."""
    release = fetch(f"{PYPI}/{name}/{version}/json")
    if release is not None:
        return "release", live(release)
    project = fetch(f"{PYPI}/{name}/json")
    if project is not None and project["info"]["version"] == version:
        return "newest", live(project)
    newest = project["info"]["version"] if project else "unknown"
    return f"not checked (locked {version}, newest {newest})", []


def live(data: dict) -> list[dict]:
    return [v for v in data.get("vulnerabilities", []) if not v.get("withdrawn")]


def main() -> int:
    lock = tomllib.loads(Path("uv.lock").read_text())
    locked = [
        (p["name"], p["version"]) for p in lock["package"] if "registry" in p.get("source", {})
    ]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda nv: (*nv, *advisories(*nv)), locked))
    vulnerable = [r for r in results if r[3]]
    unchecked = [r for r in results if r[2].startswith("not checked")]
    for name, version, how, found in results:
        if found or how.startswith("not checked"):
            print(f"  {name} {version}: {how}")
        for advisory in found:
            fixed = ", ".join(advisory.get("fixed_in") or []) or "no fix yet"
            print(f"    {advisory['id']} (fixed in {fixed}): {advisory.get('summary') or ''}")
    checked = len(results) - len(unchecked)
    print(
        f"audit: {len(results)} locked packages, {checked} checked, "
        f"{len(vulnerable)} with a known vulnerability, {len(unchecked)} not checkable here"
    )
    return 1 if vulnerable or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
