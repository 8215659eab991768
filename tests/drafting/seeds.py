"""Where the seed circulars are: ``shared/seeds`` beside the repository (as CI lays it out and
as /work/main has it), else the workplace's /work/shared (for a worktree elsewhere)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CANDIDATES = (REPO.parent / "shared" / "seeds", Path("/work/shared/seeds"))
SEEDS = next((p for p in CANDIDATES if p.is_dir()), CANDIDATES[0])
