"""Rebuild ATT&CK Enterprise as one STIX 2.0 bundle from mitre/cti's per-object files.

The search tool's ``fetch`` mirrors repositories without their files of 4 MiB or
more, so ``enterprise-attack.json`` (about 45 MB) is absent from a mirror of
``mitre/cti``; the per-object files (one STIX 2.0 bundle per object) are there.
This joins them into one bundle, in the shape MITRE publishes. Nothing fetched is
committed: the output goes where you say.

    python benchmarks/build_attack_bundle.py /work/.mirror/mitre+cti/repo out.json
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson


def build(git_dir: Path, domain: str = "enterprise-attack") -> dict[str, object]:
    names = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", "HEAD", domain],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    wanted = [n for n in names if n.count("/") == 2 and n.endswith(".json")]
    # one `git cat-file --batch` for all blobs: thousands of `git show` calls are slow
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        input="".join(f"HEAD:{n}\n" for n in wanted).encode(),
        check=True,
        capture_output=True,
    )
    data, objects, pos = proc.stdout, [], 0
    while pos < len(data):
        header_end = data.index(b"\n", pos)
        size = int(data[pos:header_end].split()[2])
        blob = data[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
        objects.extend(orjson.loads(blob).get("objects", []))
    return {
        "type": "bundle",
        "id": "bundle--00000000-0000-4000-8000-000000000001",
        "spec_version": "2.0",
        "objects": objects,
    }


if __name__ == "__main__":
    bundle = build(Path(sys.argv[1]))
    Path(sys.argv[2]).write_bytes(orjson.dumps(bundle))
    print(f"{len(bundle['objects'])} objects -> {sys.argv[2]}")
