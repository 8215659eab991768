"""Runtime settings, read from ``CAMPAIGN_OPS_*`` environment variables.

By default every piece of state (warehouse, archive, outbox, drop zone) lives under one folder,
``CAMPAIGN_OPS_HOME`` (default ``./.campaign-ops``), so a demo or a test can be thrown away by
deleting a single directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from campaign_ops import INCLUDE_DIR

PREFIX = "CAMPAIGN_OPS_"


@dataclass(frozen=True)
class Settings:
    home: Path
    campaigns_dir: Path
    forms_dir: Path
    rosters_dir: Path
    database_url: str
    archive_dir: Path
    outbox_dir: Path
    dropzone_dir: Path
    reports_dir: Path
    timezone: str
    retry_delay_seconds: int

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def get(name: str, default: str) -> str:
            return env.get(PREFIX + name) or default

        home = Path(get("HOME", ".campaign-ops")).expanduser().resolve()
        return cls(
            home=home,
            campaigns_dir=Path(get("CAMPAIGNS_DIR", str(INCLUDE_DIR / "campaigns"))),
            forms_dir=Path(get("FORMS_DIR", str(INCLUDE_DIR / "forms"))),
            rosters_dir=Path(get("ROSTERS_DIR", str(INCLUDE_DIR / "rosters"))),
            database_url=get("DATABASE_URL", f"sqlite:///{home / 'warehouse.sqlite'}"),
            archive_dir=Path(get("ARCHIVE_DIR", str(home / "archive"))),
            outbox_dir=Path(get("OUTBOX_DIR", str(home / "outbox"))),
            dropzone_dir=Path(get("DROPZONE_DIR", str(home / "dropzone"))),
            reports_dir=Path(get("REPORTS_DIR", str(home / "reports"))),
            timezone=get("TIMEZONE", "Asia/Shanghai"),
            retry_delay_seconds=int(get("RETRY_DELAY_SECONDS", "120")),
        )


def settings() -> Settings:
    """Current settings; re-read on every call so tests can change the environment."""
    return Settings.from_env()
