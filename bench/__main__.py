"""Run every benchmark in bench/ (``make bench``), each in its own process.

Each benchmark prints its measurements and ratios against a baseline measured in the same
run; nothing here is a pass/fail test. Every ``bench_*.py`` module is found by name:
consolidate, dag_parse, forms, intake, remind (``bench/out/remind.json``). ``bench/scale.py``
is not a benchmark but the province-size fixture they share.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(names: list[str]) -> int:
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    chosen = [m for m in modules if not names or any(n in m for n in names)]
    failed = 0
    for name in chosen:
        print(f"== {name}", flush=True)
        failed += subprocess.run([sys.executable, "-m", f"bench.{name}"]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
