# Reference answers of Debian's python3-packaging for test/differential/pypi-pep440.test.ts.
# Reads one JSON batch on stdin, writes one JSON answer on stdout. Run with /usr/bin/python3.
import json
import sys

from packaging.markers import Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

batch = json.load(sys.stdin)
out = {}

parsed = []
versions = []
for text in batch["versions"]:
    try:
        v = Version(text)
        parsed.append({"ok": True, "str": str(v), "pre": v.is_prerelease, "post": v.is_postrelease, "public": v.public, "base": v.base_version})
        versions.append((v, text))
    except InvalidVersion:
        parsed.append({"ok": False})
out["versions"] = parsed
# Indexes of the valid versions, in PEP 440 order (stable: equal versions keep input order).
order = sorted(range(len(versions)), key=lambda i: versions[i][0])
out["order"] = [versions[i][1] for i in order]
# Equality classes as a rank per valid version text.
out["rank"] = {}
rank = -1
prev = None
for i in order:
    v = versions[i][0]
    if prev is None or v != prev:
        rank += 1
    out["rank"][versions[i][1]] = rank
    prev = v

specs = []
texts = [t for _, t in versions]
objs = [v for v, _ in versions]
text_of = {id(v): t for v, t in versions}
for s in batch["specifiers"]:
    try:
        ss = SpecifierSet(s)
    except InvalidSpecifier:
        specs.append({"ok": False})
        continue
    specs.append({
        "ok": True,
        "prereleases": ss.prereleases,
        "contains": [ss.contains(v) for v in objs],
        "containsPre": [ss.contains(v, prereleases=True) for v in objs],
        "filter": [text_of[id(v)] for v in ss.filter(objs)],
        "filterPre": [text_of[id(v)] for v in ss.filter(objs, prereleases=True)],
    })
out["specifiers"] = specs

marks = []
for m in batch["markers"]:
    try:
        marker = Marker(m["marker"])
    except Exception:
        marks.append({"ok": False})
        continue
    try:
        marks.append({"ok": True, "value": marker.evaluate(m["env"])})
    except Exception as e:
        marks.append({"ok": True, "error": type(e).__name__})
out["markers"] = marks
out["names"] = [canonicalize_name(n) for n in batch["names"]]
json.dump(out, sys.stdout)
