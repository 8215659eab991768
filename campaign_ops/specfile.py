"""What campaign files and form specs share: reading YAML, and problems worded for people.

Both are edited by hand by the city bureau's staff, so a mistake must come back as "which file,
which field, what to fix" in Chinese, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml


class SpecFileError(Exception):
    """A file that cannot be used; ``message`` names the file and lists what to fix."""

    what = "配置文件"

    def __init__(self, path: Path, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(self.message)

    @property
    def message(self) -> str:
        lines = [f"{self.what} {self.path.name} 有 {len(self.problems)} 处错误，请修改后重试："]
        return "\n".join(lines + [f"  - {p}" for p in self.problems])


class _TextDatesLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML (libyaml when available: DAG parsing reads every campaign file) without
    implicit timestamps: dates stay strings so that pydantic validates them and a wrong one
    (2023-07-32) is reported with its field path instead of crashing the loader."""


_TextDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path, error: type[SpecFileError]) -> object:
    """The file's data; a syntax or encoding problem raises ``error`` with line and column."""
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_TextDatesLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        raise error(path, [f"YAML 语法错误 {where}：{exc}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(path, [f"无法读取文件（需为 UTF-8 编码）：{exc}"]) from None


def duplicates(values: Iterable[str], what: str, problems: list[str]) -> None:
    """Append a problem for every value that occurs more than once."""
    seen: set[str] = set()
    for v in values:
        if v in seen:
            problems.append(f"{what}重复：{v}")
        seen.add(v)
