"""Where a unit puts its files, written the way a county clerk types it.

A clerk on Windows opens ``\\\\server\\share\\folder`` in Explorer (SMB), or a drive the bureau
mounted for them (a plain folder); the mails name that path, the unit's own folder in it and
the 预检 folder inside that, so nobody has to guess which folder is theirs.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from campaign_ops.campaign import Campaign, Unit
from campaign_ops.intake.sources import PRECHECK_FOLDER

log = logging.getLogger(__name__)

# What the notice says when the share's server is not configured yet (no connection).
UNKNOWN_SERVER = "共享服务器"
ROUND_FOLDER_HINT = "轮次文件夹"


@dataclass(frozen=True)
class DropLocation:
    """The drop zone's root, the unit's own folder (None when the layout has none: the file
    name must then carry the unit's name) and the pre-check folder, all as typed by a clerk."""

    root: str
    unit_folder: str | None
    unit_path: str
    precheck_path: str
    smb: bool
    per_round: bool

    def as_json(self) -> dict[str, object]:
        return self.__dict__.copy()


def share_root(campaign: Campaign) -> str:
    """``\\\\host\\share\\folder`` for an SMB drop zone, the absolute folder otherwise.

    Remembered per drop zone and the settings it depends on: reading the settings costs a
    third of a millisecond, and a province's reminder moment renders 3,000 mails."""
    zone = campaign.drop_zone
    env = os.environ
    key = (
        zone.kind,
        zone.path,
        zone.connection_id,
        env.get("CAMPAIGN_OPS_DROPZONE_DIR"),
        env.get("CAMPAIGN_OPS_HOME"),
        env.get("AIRFLOW_CONN_" + zone.connection_id.upper()),
        os.getcwd(),
    )
    root = _ROOTS.get(key)
    if root is None:
        root = _share_root(campaign)
        if len(_ROOTS) > 64:
            _ROOTS.clear()
        if UNKNOWN_SERVER not in root:  # a connection added later is picked up
            _ROOTS[key] = root
    return root


_ROOTS: dict[tuple, str] = {}


def _share_root(campaign: Campaign) -> str:
    zone = campaign.drop_zone
    if zone.kind == "smb":
        return (
            "\\\\"
            + _smb_host(zone.connection_id)
            + "\\"
            + zone.path.strip("/\\").replace("/", "\\")
        )
    from campaign_ops.settings import settings

    path = Path(zone.path)
    return str(path if path.is_absolute() else settings().dropzone_dir / path)


def _smb_host(connection_id: str) -> str:
    try:
        from campaign_ops.intake.sources import SmbLogin

        return SmbLogin.from_connection(connection_id).host
    except Exception:  # no connection configured yet: the notice still names share and folder
        log.warning(
            "未找到共享目录连接 %s，通知中的服务器地址以“%s”代替", connection_id, UNKNOWN_SERVER
        )
        return UNKNOWN_SERVER


def drop_location(
    campaign: Campaign, unit: Unit, root: str | None = None, precheck_file: str | None = None
) -> DropLocation:
    """Where ``unit`` puts its files; ``root`` saves looking the share up once per unit.

    ``precheck_file`` (a drop-zone path inside a 预检 folder): the folder the unit actually
    used, so the answer sends the file back to where the clerk already looks (``汉阴县局``
    as they named it, not the unit's full name)."""
    zone = campaign.drop_zone
    root = root or share_root(campaign)
    sep = "\\" if zone.kind == "smb" else "/"
    per_round = zone.layout in ("per_round", "per_round_unit")
    base = root + sep + ROUND_FOLDER_HINT if per_round else root
    folder = unit.name if zone.layout in ("per_unit", "per_round_unit") else None
    unit_path = base + sep + folder if folder else base
    parts = precheck_file.split("/") if precheck_file else []
    if PRECHECK_FOLDER in parts[:-1]:
        used = parts[: parts.index(PRECHECK_FOLDER)]
        unit_path = sep.join([root, *used])
        folder = used[-1] if used else None
        per_round = False
    return DropLocation(
        root=root,
        unit_folder=folder,
        unit_path=unit_path,
        precheck_path=unit_path + sep + PRECHECK_FOLDER,
        smb=zone.kind == "smb",
        per_round=per_round,
    )
