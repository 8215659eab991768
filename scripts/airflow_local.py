#!/usr/bin/env python3
"""``make up`` / ``make down``: run Airflow locally with this project's DAGs and plugins.

    python scripts/airflow_local.py up        # start (or say it already runs) and print the URL
    python scripts/airflow_local.py status    # is it running? where? exit 0 yes, 3 no
    python scripts/airflow_local.py down      # stop everything it started

Airflow runs as ``airflow standalone`` on the embedded default (SQLite metadata database,
LocalExecutor, examples off) with ``AIRFLOW_HOME=$CAMPAIGN_OPS_HOME/airflow`` — the home
``make demo`` uses, so the UI and the campaign board show the demo's runs. Before it starts,
the DAGs of live campaigns that Airflow holds paused are unpaused
(``campaign_ops.board.live_dags``), and Airflow's default time zone is the campaigns'
(``CAMPAIGN_OPS_TIMEZONE``; the board plugin makes it the UI's default display zone too).

Why it is written this way (facts checked on Airflow 3.3):

- ``airflow standalone`` spawns the scheduler, DAG processor, API server and triggerer, and they
  spawn workers. SIGTERM to the parent leaves them all running; SIGINT shuts the lot down in
  about 15 s. A background job of a non-interactive shell ignores SIGINT, so it is started in a
  session of its own (``start_new_session``); ``down`` sends SIGINT to it, waits for its whole
  session to exit, then SIGTERMs and SIGKILLs whatever is left.
- The pid file records the process start time too, so a pid reused by some other program after
  a reboot is never signalled.
- Only the standard library is imported at the top: ``down`` and ``status`` work even when the
  virtualenv is broken or missing.

Settings (environment):

- ``CAMPAIGN_OPS_HOME`` (default ``./.campaign-ops``), ``CAMPAIGN_OPS_AIRFLOW_PORT`` (8080),
  ``CAMPAIGN_OPS_AIRFLOW_PARALLELISM`` (4), ``CAMPAIGN_OPS_AIRFLOW_START_TIMEOUT`` (300 s).
- SMTP connection ``campaign_ops_smtp`` (also ``smtp_default``, used by Airflow's own
  notifiers), only when ``CAMPAIGN_OPS_SMTP_HOST`` is set: ``_HOST``, ``_PORT`` (25),
  ``_USER``, ``_PASSWORD``, ``_FROM``, ``_STARTTLS`` (false), ``_SSL`` (false). Without it,
  emails are written to the outbox folder (``CAMPAIGN_OPS_OUTBOX_DIR``), as in ``make demo``.
- Shared-drive connection ``campaign_ops_share`` (Samba), only when ``CAMPAIGN_OPS_SHARE_HOST``
  is set: ``_HOST``, ``_PORT`` (445), ``_USER``, ``_PASSWORD``. Without it, campaigns whose
  drop zone is ``kind: smb`` cannot collect; folder drop zones need nothing.
- An ``AIRFLOW_CONN_…`` variable already in the environment always wins.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PID_FILE_NAME = "airflow-standalone.pid"
LOG_FILE_NAME = "standalone.log"
SHUTDOWN_GRACE_S = 30.0
KILL_WAIT_S = 10.0


@dataclass(frozen=True)
class Layout:
    """Where the local Airflow keeps its state, and how to reach it."""

    home: Path
    port: int

    @classmethod
    def from_env(cls) -> Layout:
        home = Path(os.environ.get("CAMPAIGN_OPS_HOME") or REPO / ".campaign-ops")
        port = int(os.environ.get("CAMPAIGN_OPS_AIRFLOW_PORT") or 8080)
        return cls(home.expanduser().resolve(), port)

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def pid_file(self) -> Path:
        return self.home / PID_FILE_NAME

    @property
    def log_file(self) -> Path:
        return self.airflow_home / LOG_FILE_NAME

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v2/monitor/health"

    @property
    def password_file(self) -> Path:
        return self.airflow_home / "simple_auth_manager_passwords.json.generated"


# ---- the environment Airflow runs in -------------------------------------------------------


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def smtp_connection(env: dict[str, str]) -> dict | None:
    """The SMTP connection as Airflow's JSON form, from ``CAMPAIGN_OPS_SMTP_*``; None when
    no host is given (the mail code then writes ``.eml`` files to the outbox)."""
    if not env.get("CAMPAIGN_OPS_SMTP_HOST"):
        return None
    starttls = _flag(env.get("CAMPAIGN_OPS_SMTP_STARTTLS"))
    ssl = _flag(env.get("CAMPAIGN_OPS_SMTP_SSL"))
    extra: dict[str, object] = {"disable_tls": not starttls, "disable_ssl": not ssl}
    if env.get("CAMPAIGN_OPS_SMTP_FROM"):
        extra["from_email"] = env["CAMPAIGN_OPS_SMTP_FROM"]
    conn: dict[str, object] = {
        "conn_type": "smtp",
        "host": env["CAMPAIGN_OPS_SMTP_HOST"],
        "port": int(env.get("CAMPAIGN_OPS_SMTP_PORT") or 25),
        "extra": extra,
    }
    if env.get("CAMPAIGN_OPS_SMTP_USER"):
        conn["login"] = env["CAMPAIGN_OPS_SMTP_USER"]
        conn["password"] = env.get("CAMPAIGN_OPS_SMTP_PASSWORD", "")
    return conn


def share_connection(env: dict[str, str]) -> dict | None:
    """The Samba connection from ``CAMPAIGN_OPS_SHARE_*``; None when no host is given (the
    campaigns then use folder drop zones under ``CAMPAIGN_OPS_DROPZONE_DIR``)."""
    if not env.get("CAMPAIGN_OPS_SHARE_HOST"):
        return None
    return {
        "conn_type": "samba",
        "host": env["CAMPAIGN_OPS_SHARE_HOST"],
        "port": int(env.get("CAMPAIGN_OPS_SHARE_PORT") or 445),
        "login": env.get("CAMPAIGN_OPS_SHARE_USER", ""),
        "password": env.get("CAMPAIGN_OPS_SHARE_PASSWORD", ""),
    }


def airflow_env(layout: Layout, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment ``airflow standalone`` runs with. Values already set win, so anything
    here can be overridden from the shell (``AIRFLOW__CORE__PARALLELISM=2 make up``)."""
    env = dict(os.environ if base is None else base)
    defaults = {
        "CAMPAIGN_OPS_HOME": str(layout.home),
        "AIRFLOW_HOME": str(layout.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": env.get("CAMPAIGN_OPS_AIRFLOW_PARALLELISM") or "4",
        # Airflow's time zone is the campaigns' (the UI's default follows it through the
        # board plugin, campaign_ops.board.ui_timezone).
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": env.get("CAMPAIGN_OPS_TIMEZONE") or "Asia/Shanghai",
        # The UI and the task runners must agree on the port.
        "AIRFLOW__API__PORT": str(layout.port),
        "AIRFLOW__API__BASE_URL": layout.url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{layout.port}/execution/",
        # New or changed campaign files show up within a minute instead of five.
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "60",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    smtp = smtp_connection(env)
    if smtp is not None:
        env.setdefault("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", json.dumps(smtp))
        env.setdefault("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(smtp))
    share = share_connection(env)
    if share is not None:
        env.setdefault("AIRFLOW_CONN_CAMPAIGN_OPS_SHARE", json.dumps(share))
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"  # standalone spawns `airflow`
    return env


def connection_summary(env: dict[str, str]) -> list[str]:
    """One Chinese line each for mail and the shared drive: where they point, or the fallback."""
    smtp = env.get("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP")
    if smtp:
        conn = json.loads(smtp)
        mail = f"邮件：经 SMTP {conn.get('host')}:{conn.get('port')} 发送（连接 campaign_ops_smtp）"
    else:
        outbox = env.get("CAMPAIGN_OPS_OUTBOX_DIR") or f"{env['CAMPAIGN_OPS_HOME']}/outbox"
        mail = f"邮件：未设置 CAMPAIGN_OPS_SMTP_HOST，邮件写入发件箱目录 {outbox}"
    share = env.get("AIRFLOW_CONN_CAMPAIGN_OPS_SHARE")
    if share:
        conn = json.loads(share)
        drive = f"共享盘：SMB {conn.get('host')}:{conn.get('port')}（连接 campaign_ops_share）"
    else:
        drive = "共享盘：未设置 CAMPAIGN_OPS_SHARE_HOST，只能使用本地文件夹收件目录"
    return [mail, drive]


# ---- processes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    ppid: int
    pgid: int
    sid: int
    state: str
    start_ticks: int


def proc_info(pid: int) -> ProcInfo | None:
    """Facts from ``/proc/<pid>/stat``; None when the process is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    fields = raw[raw.rindex(")") + 2 :].split()
    return ProcInfo(
        pid=pid,
        state=fields[0],
        ppid=int(fields[1]),
        pgid=int(fields[2]),
        sid=int(fields[3]),
        start_ticks=int(fields[19]),
    )


def all_processes() -> list[ProcInfo]:
    infos = (proc_info(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit())
    return [i for i in infos if i is not None]


def session_members(leader: int) -> list[ProcInfo]:
    """Live (non-zombie) processes started by ``leader``: its session, its process group, and
    any descendant that moved to a group or session of its own."""
    procs = [p for p in all_processes() if p.state != "Z"]
    children: dict[int, list[ProcInfo]] = {}
    for p in procs:
        children.setdefault(p.ppid, []).append(p)
    found = {p.pid: p for p in procs if leader in (p.sid, p.pgid) or p.pid == leader}
    stack = list(found)
    while stack:
        for child in children.get(stack.pop(), []):
            if child.pid not in found:
                found[child.pid] = child
                stack.append(child.pid)
    return sorted(found.values(), key=lambda p: p.pid)


def read_pid_file(layout: Layout) -> tuple[int, int] | None:
    """``(pid, start_ticks)`` of the standalone we started, if the file is there and sane."""
    try:
        data = json.loads(layout.pid_file.read_text())
        return int(data["pid"]), int(data["start_ticks"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def running_leader(layout: Layout) -> int | None:
    """The pid of our running ``airflow standalone``, or None (a stale pid file is removed)."""
    recorded = read_pid_file(layout)
    if recorded is None:
        layout.pid_file.unlink(missing_ok=True)
        return None
    pid, start_ticks = recorded
    info = proc_info(pid)
    if info is not None and info.start_ticks == start_ticks and info.state != "Z":
        return pid
    # The leader is gone, but workers of its session may have survived it: stop them too.
    if info is None or info.start_ticks == start_ticks:
        leftovers = session_members(pid)
        if leftovers:
            _say(f"上次启动的 Airflow 已退出，但还剩 {len(leftovers)} 个进程，正在清理")
            _terminate(pid, leftovers)
    layout.pid_file.unlink(missing_ok=True)
    return None


def _signal_all(procs: list[ProcInfo], sig: signal.Signals) -> None:
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p.pid, sig)


def _wait_gone(leader: int, timeout: float) -> list[ProcInfo]:
    deadline = time.monotonic() + timeout
    while True:
        left = session_members(leader)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.2)


def _terminate(leader: int, procs: list[ProcInfo]) -> None:
    _signal_all(procs, signal.SIGTERM)
    left = _wait_gone(leader, KILL_WAIT_S)
    if left:
        _signal_all(left, signal.SIGKILL)
        _wait_gone(leader, KILL_WAIT_S)


# ---- health --------------------------------------------------------------------------------


def health(layout: Layout) -> dict | None:
    """The API server's ``/api/v2/monitor/health`` answer, or None if it does not answer."""
    try:
        with urllib.request.urlopen(layout.health_url, timeout=2) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def is_healthy(report: dict | None) -> bool:
    """Metadata DB, scheduler, DAG processor and triggerer all report healthy."""
    if not report:
        return False
    parts = ("metadatabase", "scheduler", "dag_processor", "triggerer")
    return all((report.get(p) or {}).get("status") == "healthy" for p in parts)


def port_taken(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return True
        return False


# ---- commands ------------------------------------------------------------------------------


def _say(text: str) -> None:
    print(text, flush=True)


def prepare_warehouse(env: dict[str, str]) -> None:
    """Migrate the warehouse (idempotent), so the board finds its tables even before the first
    collect run; runs in a child process so this script itself stays stdlib-only."""
    subprocess.run(
        [str(VENV_BIN / "python"), "-m", "campaign_ops.store", "upgrade"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )


def unpause_live_campaigns(env: dict[str, str]) -> list[str]:
    """Unpause the DAGs of live campaigns that an earlier demo or start registered paused
    (``campaign_ops.board.live_dags``); the DAG ids it unpaused."""
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "campaign_ops.board.live_dags"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.split()


def login_hint(layout: Layout) -> str:
    try:
        passwords = json.loads(layout.password_file.read_text())
    except (FileNotFoundError, ValueError):
        return f"登录：用户名和密码见 {layout.password_file}（首次启动时生成）"
    users = "，".join(f"用户名 {user} / 密码 {pw}" for user, pw in passwords.items())
    return f"登录：{users}（保存在 {layout.password_file}）"


def print_where(layout: Layout) -> None:
    _say(f"Airflow 界面：{layout.url}/")
    _say(f"专项行动看板：{layout.url}/campaign-board/（也在界面左侧导航“专项行动看板”）")
    _say(login_hint(layout))
    _say(f"日志：{layout.log_file}；停止：make down")


def up(layout: Layout, timeout: float) -> int:
    leader = running_leader(layout)
    if leader is not None:
        _say(f"Airflow 已在运行（进程 {leader}），无需重复启动。")
        print_where(layout)
        return 0
    if port_taken(layout.port):
        _say(
            f"端口 {layout.port} 已被其他程序占用：请先停止它，"
            "或换一个端口，例如 CAMPAIGN_OPS_AIRFLOW_PORT=8081 make up"
        )
        return 1
    layout.airflow_home.mkdir(parents=True, exist_ok=True)
    env = airflow_env(layout)
    _say(f"准备数据仓库（{env.get('CAMPAIGN_OPS_DATABASE_URL') or layout.home}）")
    try:
        prepare_warehouse(env)
    except subprocess.CalledProcessError as exc:
        _say(f"数据仓库迁移失败：\n{exc.stdout}{exc.stderr}")
        return 1
    for line in connection_summary(env):
        _say(line)
    try:
        unpaused = unpause_live_campaigns(env)
    except subprocess.CalledProcessError as exc:
        _say(f"启用进行中专项行动的 DAG 失败：\n{exc.stdout}{exc.stderr}")
        return 1
    if unpaused:
        _say(f"已启用进行中专项行动的 {len(unpaused)} 个 DAG（原为暂停）：{'、'.join(unpaused)}")
    _say(f"时区：{env['AIRFLOW__CORE__DEFAULT_TIMEZONE']}（Airflow 默认时区和界面默认显示时区）")
    _say(f"启动 Airflow（AIRFLOW_HOME={layout.airflow_home}，端口 {layout.port}）")
    with layout.log_file.open("ab") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "airflow"), "standalone"],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own session and process group: `down` stops them all
        )
    info = proc_info(process.pid)
    start_ticks = info.start_ticks if info else 0
    layout.pid_file.write_text(
        json.dumps({"pid": process.pid, "start_ticks": start_ticks, "port": layout.port})
    )
    _say(f"等待就绪（最多 {timeout:.0f} 秒；首次启动要建元数据库，约一分钟）")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _say(f"Airflow 启动失败（退出码 {process.returncode}），日志末尾：")
            _say(_tail(layout.log_file))
            down(layout)
            return 1
        if is_healthy(health(layout)):
            _say("Airflow 已就绪。")
            print_where(layout)
            return 0
        time.sleep(1)
    _say(f"{timeout:.0f} 秒内未就绪，正在停止。日志末尾：")
    _say(_tail(layout.log_file))
    down(layout)
    return 1


def down(layout: Layout) -> int:
    leader = running_leader(layout)
    if leader is None:
        _say("Airflow 没有在运行。")
        return 0
    members = session_members(leader)
    _say(f"停止 Airflow（进程 {leader} 及其 {len(members) - 1} 个子进程）")
    # SIGINT to the leader only: it stops its components, which reap their own workers
    # (about 15 s). SIGINT to the whole group at once left workers hanging here.
    with contextlib.suppress(ProcessLookupError):
        os.kill(leader, signal.SIGINT)
    left = _wait_gone(leader, SHUTDOWN_GRACE_S)
    if left:
        _say(f"{SHUTDOWN_GRACE_S:.0f} 秒后仍有 {len(left)} 个进程，强制结束")
        _terminate(leader, left)
    left = session_members(leader)
    if left:
        _say(f"仍有进程未能结束：{', '.join(str(p.pid) for p in left)}")
        return 1
    layout.pid_file.unlink(missing_ok=True)
    _say("已停止。")
    return 0


def status(layout: Layout) -> int:
    leader = running_leader(layout)
    if leader is None:
        _say("Airflow 没有在运行（make up 启动）。")
        return 3
    state = "健康" if is_healthy(health(layout)) else "启动中或不健康"
    _say(f"Airflow 正在运行（进程 {leader}，{len(session_members(leader))} 个进程，{state}）")
    print_where(layout)
    return 0


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "（没有日志）"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="本地 Airflow：启动、停止、查看状态")
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument(
        "--timeout",
        type=float,
        default=float(os.environ.get("CAMPAIGN_OPS_AIRFLOW_START_TIMEOUT") or 300),
        help="up: 最多等待多少秒",
    )
    args = parser.parse_args(argv)
    layout = Layout.from_env()
    layout.home.mkdir(parents=True, exist_ok=True)
    if args.action == "up":
        return up(layout, args.timeout)
    if args.action == "down":
        return down(layout)
    return status(layout)


if __name__ == "__main__":
    sys.exit(main())
