"""`bench/run.py --snapshot REV`: measure a committed revision, not the working tree.

Other engineers edit cluetrain/ in this working tree while the bench runs; a
half-edited module would be measured (or crash the worker). With --snapshot, the
harness exports cluetrain/ and schemas/ of REV (git archive) into a temp dir and
re-executes itself with that dir first on PYTHONPATH and as the working directory,
so the harness, the peers and the `cluetrain worker` children all import it.

Standard library only: this runs before anything of cluetrain is imported.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_ENV = "CLUETRAIN_BENCH_SNAPSHOT"  # "<short rev>:<dir>" in the re-executed harness
CWD_ENV = "CLUETRAIN_BENCH_CWD"


def requested_rev(argv: list[str]) -> str | None:
    """REV of `--snapshot REV` / `--snapshot=REV` (HEAD when the value is missing)."""
    for i, arg in enumerate(argv):
        if arg.startswith("--snapshot="):
            return arg.split("=", 1)[1]
        if arg == "--snapshot":
            return argv[i + 1] if i + 1 < len(argv) else "HEAD"
    return None


def reexec_if_requested(script: Path, argv: list[str]) -> None:
    """Export REV and re-execute `script` on it; returns only when there is nothing to do."""
    rev = requested_rev(argv)
    if os.environ.get(SNAPSHOT_ENV) or rev is None:
        return
    short = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip()
    target = tempfile.mkdtemp(prefix=f"cluetrain-bench-src-{short}-")
    archive = subprocess.Popen(["git", "archive", rev, "cluetrain", "schemas"], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", target], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"bench: git archive {rev} failed")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [target, os.environ.get("PYTHONPATH")])))
    env[SNAPSHOT_ENV] = f"{short}:{target}"
    env[CWD_ENV] = os.getcwd()
    os.chdir(target)
    print(f"[bench] measuring {rev} = {short}, exported to {target}", file=sys.stderr, flush=True)
    os.execve(sys.executable, [sys.executable, str(script), *argv], env)


def measured_rev() -> str | None:
    """The short revision measured, when this harness was re-executed on a snapshot."""
    snapshot = os.environ.get(SNAPSHOT_ENV)
    return snapshot.split(":", 1)[0] if snapshot else None


def caller_cwd() -> Path:
    """The directory the user ran the bench from (a snapshot run works in its export)."""
    return Path(os.environ.get(CWD_ENV) or os.getcwd())


def remove_export() -> None:
    """Leave the exported snapshot: back to the caller's directory, the export deleted."""
    snapshot = os.environ.get(SNAPSHOT_ENV)
    if snapshot:
        os.chdir(caller_cwd())
        shutil.rmtree(snapshot.split(":", 1)[1], ignore_errors=True)
