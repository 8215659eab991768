"""`campaign-ops lint` as the ops staff who edit campaign files meet it: every problem at once,
one Chinese line each (文件:位置：问题，改法), positions that read like the YAML, a suggestion
for a misspelt code, and the same lines on the config_error DAG page."""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from enum import Enum
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from pydantic import BaseModel

from campaign_ops import INCLUDE_DIR
from campaign_ops.calendar_doc import broken_doc
from campaign_ops.campaign import Campaign, CampaignFileError, load_campaign_file
from campaign_ops.cli import main
from campaign_ops.synthetic import campaign_dict

CLI = [sys.executable, "-m", "campaign_ops.cli"]
SEEDS = sorted((INCLUDE_DIR / "campaigns").glob("*.yaml"))
ANKANG = INCLUDE_DIR / "campaigns" / "ankang-2023-internet-ads.yaml"


def _ankang_with(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    """Ankang's campaign file with its roster's units written in (mistakes in units are
    made and reported in the campaign file itself), then the edits."""
    text = ANKANG.read_text("utf-8")
    roster = (INCLUDE_DIR / "rosters" / "ankang.yaml").read_text("utf-8")
    units = roster[roster.index("units:") :]
    text = re.sub(r"^units_from: .*\n", lambda _: units, text, count=1, flags=re.M)
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# One mistake per stage, in different parts of the file: a schema error in round r3 must not
# hide a wrong unit code in r4, nor the dates that do not fit together.
R3_FORMS = "form: ankang-work-stats}\n      - {kind: statistics, form: ankang-ad-cases}\n  - id: r4"
HANYIN = "    contacts:\n      - {name: 汉阴"
MISTAKES = (
    (f"    level: county\n{HANYIN}", f"    level: countyy\n{HANYIN}"),  # schema: enum
    ("start: 2023-06-01", "start: 2023-05-20"),  # dates: phases overlap
    ("deadline: 2023-07-10", "deadline: 2023-07-32"),  # schema: no such day, in r3
    (R3_FORMS, R3_FORMS.replace("ankang-work-stats", "ankang-work-stat", 1)),  # no such form
    (
        "    deadline: 2023-09-10\n",
        "    deadline: 2023-09-10\n    units: [hanbin, hanbn, 汉阴县局]\n",
    ),
    ("    deadline: 2023-11-10\n", '    deadline: 2023-11-10\n    deadlne_time: "12:00"\n'),
    ("deadline: 2023-12-10", "deadline: 2024-01-10"),  # dates: after the campaign's end
)


def _run_lint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "lint", *map(str, files)], capture_output=True, text=True)


def _problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ".yaml:" in line]


def test_every_stage_is_reported_in_one_run_in_file_order(tmp_path):
    path = _ankang_with(tmp_path, "broken-campaign.yaml", *MISTAKES)
    done = _run_lint(path)
    assert done.returncode == 1
    lines = _problem_lines(done.stderr)
    assert all(line.startswith("broken-campaign.yaml:") for line in lines), lines
    positions = [line.removeprefix("broken-campaign.yaml:").split("：")[0] for line in lines]
    assert positions == [
        "id（第4行）",  # the file is called broken-campaign, the id still says ankang
        "units[hanyin].level（第40行）",
        "phases[rectify].start（第134行）",
        "rounds[r3].deadline（第155行）",
        "rounds[r3].deliverables[3].form（第159行）",
        "rounds[r4].units[2]（第164行）",
        "rounds[r4].units[3]（第164行）",
        "rounds[r5].deadlne_time（第173行）",
        "rounds[r6].deadline（第181行）",
    ]
    said = dict(zip(positions, lines, strict=True))
    assert "是否应为 county？" in said["units[hanyin].level（第40行）"]
    assert "请改为 2023-06-01 或更晚" in said["phases[rectify].start（第134行）"]
    assert "2023年7月没有32日" in said["rounds[r3].deadline（第155行）"]
    assert "是否应为 ankang-work-stats？" in said["rounds[r3].deliverables[3].form（第159行）"]
    assert "是否应为 hanbin？" in said["rounds[r4].units[2]（第164行）"]
    assert "是否应为 hanyin？" in said["rounds[r4].units[3]（第164行）"]  # a short name, not a code
    assert "是否应为 deadline_time？" in said["rounds[r5].deadlne_time（第173行）"]
    assert "不在行动期间 2023-05-09～2023-12-31 内" in said["rounds[r6].deadline（第181行）"]
    assert done.stderr.splitlines()[-1] == "1 个文件共 9 处错误，请按每行的提示修改后再检查一遍。"


def test_line_numbers_point_at_the_line_to_edit(tmp_path):
    path = _ankang_with(tmp_path, "broken-campaign.yaml", *MISTAKES)
    text = path.read_text("utf-8").splitlines()
    for line in _problem_lines(_run_lint(path).stderr):
        where = line.removeprefix("broken-campaign.yaml:").split("：")[0]
        number = int(re.search(r"（第(\d+)行）", where).group(1))
        last = re.findall(r"[a-z_]+", where.split("（")[0])[-1]
        wrote = re.search(r"现在是“([^”]+)”|代码 (\S+) 不在", line)
        expected = next((g for g in wrote.groups() if g), last) if wrote else last
        assert expected in text[number - 1], (line, text[number - 1])


def _allowed_words(data: object) -> set[str]:
    """Words a message may show: field names, allowed values and what the file itself says."""
    words = {"true", "false"}

    def model(cls: type[BaseModel]) -> None:
        for name, field in cls.model_fields.items():
            words.add(name)
            annotation_words(field.annotation)

    def annotation_words(annotation: object) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model(annotation)
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            words.update(str(m.value) for m in annotation)
        for arg in typing.get_args(annotation):
            if isinstance(arg, str):
                words.add(arg)  # Literal values
            else:
                annotation_words(arg)

    def scalars(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                words.add(str(k))
                scalars(v)
        elif isinstance(node, list):
            for v in node:
                scalars(v)
        else:
            words.add(str(node))

    model(Campaign)
    scalars(data)
    return {w for word in words for w in re.findall(r"[A-Za-z]+", word)}


def _english_outside_names(line: str, allowed: set[str]) -> list[str]:
    text = line.split(":", 1)[1]  # the file name
    text = re.sub(r"“[^”]*”|是否应为 [^？]*？", "", text)  # what the person wrote, suggestions
    return [w for w in re.findall(r"[A-Za-z]{4,}", text) if w not in allowed]


def _every_mistake() -> dict:
    """A campaign with one of each kind of mistake pydantic can find in a campaign file."""
    d = campaign_dict("every-mistake")
    del d["title"]  # missing
    d["timezone"] = "Asia/Shanghia"
    d["issued_on"] = "2024-03-01 09:00"  # a date with a time
    d["sender"]["email"] = "abc"  # pattern
    d["ops"] = "市局值班"  # not a list
    d["units"][0]["code"] = "Han Bin"  # pattern, with a code offered
    d["units"][1]["level"] = "countyy"  # enum
    d["units"][2]["contacts"] = []  # too short
    d["units"][3]["contacts"][0]["role"] = "boss"  # literal
    d["units"][4]["name"] = 123  # not text
    d["departments"] = [{"code": "a" * 70, "name": "某部门"}]  # too long
    d["phases"][0]["end"] = "2024-02-30"  # no such day
    d["rounds"][0]["deadline"] = "5月10日"  # not a date
    d["rounds"][1]["deadline_time"] = 1080  # 18:00 unquoted reads as a number
    d["rounds"][1]["cumulative"] = "是的"  # not a boolean
    d["rounds"][2]["deliverables"] = [{"kind": "statistics"}, {"kind": "summary", "form": "x"}]
    d["rounds"][2]["deadlin"] = "2024-05-30"  # extra field
    d["rounds"].append("r4")  # not a mapping
    d["reminders"] = {"before_days": [0], "overdue_every_working_days": "两天"}
    d["reports"] = "市局领导"  # not a mapping
    d["drop_zone"]["layout"] = "per-unit"  # literal
    d["collect_every_minutes"] = 1  # below the minimum
    return d


def test_every_kind_of_mistake_is_said_in_chinese(tmp_path):
    data = _every_mistake()
    path = tmp_path / "every-mistake.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CampaignFileError) as info:
        load_campaign_file(path)
    lines = info.value.lines
    form_ids = [p.stem for p in (INCLUDE_DIR / "forms").glob("*.yaml")]  # offered as choices
    allowed = _allowed_words({"file": path.name, "forms": form_ids, **data})
    assert {line: _english_outside_names(line, allowed) for line in lines} == {
        line: [] for line in lines
    }
    assert len(lines) == 25, "\n".join(lines)  # one line per mistake, no echoes
    assert all(re.fullmatch(r"every-mistake\.yaml:[^：]+：[^\n]+", line) for line in lines)
    said = "\n".join(lines)
    for expected in (
        "title：缺少必填字段 title（标题），请补上",
        "units[Han Bin].code（第10行）：现在是“Han Bin”",
        "是否应为 han-bin？",
        "units[u0003].contacts（第40行）：至少需要 1 项",
        'rounds[r2].deadline_time（第89行）：时刻要加引号，否则会被当成数字：请写成 "18:00"',
        "rounds[4]（第99行）：现在是“r4”，应为一个报送轮次",
        "timezone（第105行）：时区“Asia/Shanghia”不存在，是否应为 Asia/Shanghai？",
        "collect_every_minutes（第113行）：现在是“1”，不能小于 5",
    ):
        assert expected in said, expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: x\ntitle: [未闭合\n", "x.yaml:第2行第8列：语法错误，方括号 [ ] 不配对，请补上 ]"),
        ('id: x\ntitle: "未闭合\nb: 1\n', "x.yaml:第2行第8列：语法错误，引号没有闭合"),
        ("id: x\n\ttitle: a\n", "x.yaml:第2行第1列：语法错误，不能用制表符（Tab 键）缩进"),
        ("id: x\ntitle: a: b\n", "x.yaml:第2行第9列：语法错误，这里不能再出现“字段: 值”"),
        ("", "x.yaml:（整个文件）：文件是空的"),
    ],
)
def test_a_file_that_is_not_yaml_gets_one_chinese_line(tmp_path, text, expected):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    done = _run_lint(path)
    assert done.returncode == 1
    [line] = _problem_lines(done.stderr)
    assert line.startswith(expected), line
    assert not re.search(r"[A-Za-z]{4,}", line.removeprefix("x.yaml:")), line


def test_a_key_written_twice_fails_lint_though_the_file_loads(tmp_path):
    path = _ankang_with(
        tmp_path,
        "ankang-2023-internet-ads.yaml",
        ("    deadline: 2023-07-10\n", "    deadline: 2023-07-10\n    deadline: 2023-07-20\n"),
    )
    load_campaign_file(path)  # YAML keeps the later date without a word
    done = _run_lint(path)
    assert done.returncode == 1
    assert _problem_lines(done.stderr) == [
        "ankang-2023-internet-ads.yaml:rounds[r3].deadline（第155行）："
        "字段 deadline 写了两次（第155行和第156行），只有后一个有效，请删除其中一个"
    ]


def test_the_seed_campaigns_lint_clean(capsys):
    assert main(["lint", *map(str, SEEDS)]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert len([line for line in out.out.splitlines() if line.startswith("✓ ")]) == len(SEEDS)


def test_the_config_error_dag_page_shows_the_lint_lines(tmp_path):
    path = _ankang_with(tmp_path, "broken-campaign.yaml", *MISTAKES)
    with pytest.raises(CampaignFileError) as info:
        load_campaign_file(path)
    lint_lines = _problem_lines(_run_lint(path).stderr)
    assert info.value.lines == lint_lines
    html = MarkdownIt("commonmark").render(broken_doc(info.value))
    items = re.findall(r"<li>(.*?)</li>", html)
    assert items == lint_lines  # Markdown shows [r3], drop_zone and the rest as written
    assert "9 处错误" in html
