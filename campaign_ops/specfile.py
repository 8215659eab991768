"""What campaign files and form specs share: reading YAML, and problems worded for people.

Both are edited by hand by the city bureau's staff, so a mistake must come back as "which file,
which field, what to fix" in Chinese, never as a traceback: one line per problem,
``文件:位置：问题，改法``, where the position reads like the YAML (``rounds[r3].deliverables[2]``:
an item's id where it has one, else its 1-based place in the list).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

Loc = tuple[str | int, ...]

# Keys that identify an item of a list, so a position can name it instead of counting.
ID_KEYS = ("id", "code")


@dataclass(frozen=True)
class Problem:
    """One thing to fix: where (a path into the data, as pydantic gives it) and what to do."""

    loc: Loc
    text: str
    stage: int = 0  # schema, references, dates: breaks ties between problems at one place


class SpecFileError(Exception):
    """A file that cannot be used; ``lines`` are its problems, one line each, with the file."""

    what = "配置文件"

    def __init__(self, path: Path, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(self.message)

    @property
    def lines(self) -> list[str]:
        """``文件:位置：问题，改法`` for each problem (lint and the DAG page print these)."""
        return [f"{self.path.name}:{p}" for p in self.problems]

    @property
    def message(self) -> str:
        head = f"{self.what} {self.path.name} 有 {len(self.problems)} 处错误，请修改后重试："
        return "\n".join([head, *self.lines])


class _TextDatesLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML (libyaml when available: DAG parsing reads every campaign file) without
    implicit timestamps: dates stay strings so that pydantic validates them and a wrong one
    (2023-07-32) is reported with its field path instead of crashing the loader."""


_TextDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# libyaml's wording of a syntax error → what a person should look at.
_SYNTAX_HINTS = (
    ("tab character", "不能用制表符（Tab 键）缩进，请改用空格"),
    ("'\t'", "不能用制表符（Tab 键）缩进，请改用空格"),
    (
        "mapping values are not allowed",
        "这里不能再出现“字段: 值”：检查引号是否闭合、冒号后是否有空格、缩进是否对齐",
    ),
    ("could not find expected ':'", "缺少冒号：每个字段应写成“字段: 值”（冒号后加一个空格）"),
    ("expected ',' or ']'", "方括号 [ ] 不配对，请补上 ]"),
    ("expected ',' or '}'", "花括号 { } 不配对，请补上 }"),
    ("expected <block end>", "缩进不对齐：同一层的字段和列表项应左端对齐"),
    ("did not find expected key", "缩进或列表写法不对：同一层的字段应对齐，列表项以“- ”开头"),
    ("did not find expected '-'", "列表项应以“- ”开头并与上一项对齐"),
    ("unexpected end of stream", "引号没有闭合，请在值的末尾补上引号"),
    ("found unknown escape character", "双引号里的反斜杠 \\ 要写成 \\\\，或改用单引号"),
    ("cannot start any token", "这个值以特殊符号开头，请给整个值加上引号"),
    ("found undefined alias", "以 * 开头的值要加引号"),
)


def syntax_problem(exc: yaml.YAMLError) -> str:
    """A YAML syntax error as ``第N行第M列：问题，改法`` (libyaml's English stays out)."""
    said = f"{getattr(exc, 'problem', '')} {getattr(exc, 'context', '')}"
    hint = next((h for key, h in _SYNTAX_HINTS if key in said), None)
    hint = hint or "写法不对，请检查这一行和上一行的缩进、冒号、引号和括号"
    # an unclosed bracket or quote is noticed only at the end of the file: point at its start
    opened = "flow" in said or "quoted" in said
    marks = ("context_mark", "problem_mark") if opened else ("problem_mark", "context_mark")
    mark = next((m for m in (getattr(exc, n, None) for n in marks) if m is not None), None)
    where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else "（整个文件）"
    return f"{where}：语法错误，{hint}"


def read_yaml(path: Path, error: type[SpecFileError]) -> object:
    """The file's data; a syntax or encoding problem raises ``error`` with line and column."""
    return load_yaml_text(read_text(path, error), path, error)


def read_text(path: Path, error: type[SpecFileError]) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(path, ["（整个文件）：无法读取，文件应保存为 UTF-8 编码"]) from None
    except OSError as exc:
        why = "文件不存在" if isinstance(exc, FileNotFoundError) else "没有权限或无法打开"
        raise error(path, [f"（整个文件）：无法读取（{why}），请检查路径"]) from None


def load_yaml_text(text: str, path: Path, error: type[SpecFileError]) -> object:
    try:
        return yaml.load(text, Loader=_TextDatesLoader)
    except yaml.YAMLError as exc:
        raise error(path, [syntax_problem(exc)]) from None


def duplicates(values: Iterable[str], what: str, problems: list[str]) -> None:
    """Append a problem for every value that occurs more than once."""
    seen: set[str] = set()
    for v in values:
        if v in seen:
            problems.append(f"{what}重复：{v}")
        seen.add(v)


# ---- positions -----------------------------------------------------------------------------


def item_id(item: object, siblings: Sequence[object]) -> str | None:
    """The id (or code) that names ``item`` among ``siblings``, when it has a unique one."""
    if not isinstance(item, dict):
        return None
    for key in ID_KEYS:
        value = item.get(key)
        if isinstance(value, str) and value:
            same = sum(isinstance(s, dict) and s.get(key) == value for s in siblings)
            return value if same == 1 else None
    return None


def position(loc: Loc, data: object) -> str:
    """``rounds[r3].deliverables[2].form``: ids where the item has one, else 1-based places."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            siblings = node if isinstance(node, list | tuple) else []
            item = siblings[part] if 0 <= part < len(siblings) else None
            out += f"[{item_id(item, siblings) or part + 1}]"
            node = item
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def order_key(loc: Loc, data: object) -> tuple[int, ...]:
    """Where ``loc`` sits in the file, top to bottom (YAML mappings keep their key order); a
    missing key sorts at the start of the mapping that lacks it."""
    key: list[int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            key.append(list(node).index(part))
            node = node[part]
        elif isinstance(node, list | tuple) and isinstance(part, int) and 0 <= part < len(node):
            key.append(part)
            node = node[part]
        else:
            key.append(-1)
            break
    return tuple(key)


def line_of(loc: Loc, root: yaml.Node | None) -> int | None:
    """The 1-based line of the deepest node of ``loc`` found in the composed file."""
    if root is None:
        return None
    line = None
    node: yaml.Node | None = root
    for part in loc:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == part:
                    line, nxt = k.start_mark.line + 1, v
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            nxt = node.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


def compose(text: str | None) -> yaml.Node | None:
    """The file's node tree, for line numbers (only composed when there is something to show)."""
    if text is None:
        return None
    try:
        return yaml.compose(text, Loader=_TextDatesLoader)
    except yaml.YAMLError:
        return None


def render(problems: Iterable[Problem], data: object, text: str | None = None) -> list[str]:
    """``位置（第N行）：问题，改法`` per problem, in file order."""
    root = compose(text)
    ordered = sorted(problems, key=lambda p: (order_key(p.loc, data), p.stage))
    out = []
    for p in ordered:
        where = position(p.loc, data) or "（整个文件）"
        line = line_of(p.loc, root)
        text = " ".join(p.text.split("\n"))  # one line per problem, whatever was written
        out.append(f"{where}{f'（第{line}行）' if line else ''}：{text}")
    return out


# ---- suggestions ---------------------------------------------------------------------------


def suggest(value: object, choices: Iterable[str], aliases: dict[str, str] | None = None) -> str:
    """「是否应为 hanbin？」 for the closest choice (or the code an alias names); else ""."""
    if not isinstance(value, str) or not value:
        return ""
    if aliases and value in aliases:
        return f"是否应为 {aliases[value]}？"
    pool = list(dict.fromkeys(choices))
    lowered = {c.lower(): c for c in pool}
    if value.lower() in lowered and lowered[value.lower()] != value:
        return f"是否应为 {lowered[value.lower()]}？"
    close = difflib.get_close_matches(value, pool, n=1, cutoff=0.6)
    return f"是否应为 {close[0]}？" if close else ""
