"""Turn each campaign YAML into its Airflow DAGs: collect, remind and consolidate.

Called by the thin file in ``dags/``. Parse-time work is limited to reading the YAMLs and
computing timelines (milliseconds); pandas, Great Expectations, openpyxl, yagmail and every
database or network call are imported or made inside the tasks. A campaign file with an error
becomes a small DAG of its own whose docs show the message and whose one task fails with it,
so ops see it in the UI and every other campaign keeps its DAGs.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pendulum
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import (
    DAG,
    Asset,
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    DeltaTriggerTimetable,
    XComArg,
    get_current_context,
    task,
    task_group,
)
from airflow.sdk.bases.timetable import BaseTimetable
from airflow.sdk.exceptions import AirflowSkipException
from airflow.timetables.events import EventsTimetable as CoreEventsTimetable

from campaign_ops import calendar_doc, tasks
from campaign_ops.calendar_doc import step
from campaign_ops.campaign import Campaign, CampaignFileError, load_campaigns
from campaign_ops.settings import settings
from campaign_ops.timeline import Timeline, build_timeline

OWNER = "campaign-ops"
DAG_KINDS = ("collect", "remind", "consolidate")  # every campaign's DAGs


def dag_kinds(campaign: Campaign) -> tuple[str, ...]:
    """The kinds of DAG this campaign has: ``DAG_KINDS``, and ``review`` when its policy asks
    for review (``campaign_ops.review.airflow_dag``)."""
    return (*DAG_KINDS, "review") if campaign.review.required else DAG_KINDS


def default_args() -> dict:
    """Every task retries twice with exponential back-off (a share or mail server that is
    briefly away); the first delay is ``CAMPAIGN_OPS_RETRY_DELAY_SECONDS`` (default 120)."""
    return {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": dt.timedelta(seconds=settings().retry_delay_seconds),
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=30),
    }


def dag_id(campaign_id: str, kind: str) -> str:
    return f"{campaign_id}__{kind}"


def accepted_data_asset(campaign_id: str) -> Asset:
    """Emitted by collect when accepted figures changed; consolidate listens to it."""
    return Asset(f"campaign-ops://{campaign_id}/accepted-data", group="campaign-ops")


def build_all_dags(directory: Path | None = None) -> dict[str, DAG]:
    """Every DAG of every campaign in ``directory`` (default: settings' campaigns dir)."""
    dags: dict[str, DAG] = {}
    for item in load_campaigns(directory):
        if isinstance(item, CampaignFileError):
            d = broken_campaign_dag(item)
            dags[d.dag_id] = d
            continue
        try:
            built = campaign_dags(item)
        except Exception as exc:  # a bug for one campaign must not hide the others
            why = f"（整个文件）：生成 DAG 时程序出错（{exc!r}），请把这一行发给开发人员"
            d = broken_campaign_dag(CampaignFileError(Path(f"{item.id}.yaml"), [why]))
            dags[d.dag_id] = d
            continue
        dags.update({d.dag_id: d for d in built})
    return dags


def campaign_dags(campaign: Campaign) -> list[DAG]:
    timeline = build_timeline(campaign)
    dags = [
        collect_dag(campaign, timeline),
        remind_dag(campaign, timeline),
        consolidate_dag(campaign, timeline),
    ]
    if campaign.review.required:  # imported only then: it imports this module
        from campaign_ops.review.airflow_dag import review_dag

        dags.append(review_dag(campaign, timeline, _common(campaign, timeline, "collect")))
    return dags


def events_timetable(moments: list[dt.datetime], description: str) -> CoreEventsTimetable:
    """Runs at exactly these moments (timezone-aware, from the campaign's timeline).

    Airflow 3.3.2's SDK ``EventsTimetable`` does not survive DAG serialization (its encoder
    omits the ``_summary`` that the core class's ``deserialize`` requires), so the core class,
    which serializes itself, is used.
    """
    return CoreEventsTimetable(
        [pendulum.instance(m) for m in moments],
        restrict_to_events=True,
        presorted=True,
        description=description,
    )


def _start(campaign: Campaign) -> pendulum.DateTime:
    return pendulum.datetime(
        campaign.start.year, campaign.start.month, campaign.start.day, tz=campaign.timezone
    )


ALERT_CONN_ID = "smtp_default"  # Airflow's own mail, separate from the campaign's mail


def failure_alert(campaign: Campaign) -> SmtpNotifier:
    """Airflow's failure path: a task that fails after its retries mails the ops contacts."""
    return SmtpNotifier(
        to=[c.email for c in campaign.ops if c.email],
        from_email=campaign.sender.email,
        smtp_conn_id=ALERT_CONN_ID,
        subject=f"【{campaign.display_title}】任务失败：" + "{{ ti.task_id }}（{{ ti.dag_id }}）",
        html_content=(
            f"<p>专项行动“{campaign.title}”的任务 "
            "<b>{{ ti.task_id }}</b> 在重试后仍然失败"
            "（DAG {{ ti.dag_id }}，运行 {{ run_id }}）。</p>"
            "<p>请在 Airflow 中打开该任务的日志查看原因，处理后点 Clear 重新运行；"
            "各步骤可以安全地重复执行，不会重复收件或重复发信。</p>"
        ),
    )


def _common(campaign: Campaign, timeline: Timeline, kind: str) -> dict:
    return {
        "dag_id": dag_id(campaign.id, kind),
        "description": f"{campaign.display_title}：{calendar_doc.KIND_TITLES[kind]}",
        "doc_md": calendar_doc.dag_doc(campaign, timeline, kind),
        "tags": [campaign.id, kind, "专项行动"],
        "default_args": {**default_args(), "on_failure_callback": failure_alert(campaign)},
        "catchup": False,
        "max_active_runs": 1,
        "start_date": _start(campaign),
        "params": {},
        # A live campaign's DAGs run as soon as Airflow registers them; a finished campaign's
        # stay paused, or the scheduler would replay its last reminder or report moment.
        "is_paused_upon_creation": not is_live(timeline),
    }


def collect_timetable(campaign: Campaign) -> BaseTimetable:
    minutes = campaign.collect_every_minutes
    if minutes < 60 and 60 % minutes == 0:
        return CronTriggerTimetable(f"*/{minutes} * * * *", timezone=campaign.timezone)
    return DeltaTriggerTimetable(dt.timedelta(minutes=minutes))


def collect_window_end(timeline: Timeline) -> pendulum.DateTime:
    """Submissions keep arriving until the last overdue reminder and final report."""
    return pendulum.instance(max(timeline.moments("reminder", "report", "deadline")))


def is_live(timeline: Timeline, now: dt.datetime | None = None) -> bool:
    """The campaign still has something to do: a deadline, reminder or report ahead (also
    before it starts, when its mobilization notice is still to go out)."""
    now = now or dt.datetime.now(dt.UTC)
    return now <= collect_window_end(timeline)


def collect_dag(campaign: Campaign, timeline: Timeline) -> DAG:
    with DAG(
        schedule=collect_timetable(campaign),
        end_date=collect_window_end(timeline),
        **_common(campaign, timeline, "collect"),
    ) as d:

        @task_group(group_id="intake", group_display_name=calendar_doc.GROUPS["intake"])
        def intake() -> XComArg:
            @task(**step("collect", "list_new_files"))
            def list_new(logical_date: pendulum.DateTime | None = None) -> list[dict]:
                return tasks.list_new_files(campaign.id, logical_date)["batches"]

            @task(**step("collect", "process_files"), map_index_template="{{ batch_label }}")
            def process(batch: dict, logical_date: pendulum.DateTime | None = None) -> list[dict]:
                get_current_context()["batch_label"] = batch["label"]
                return tasks.process_files(campaign.id, batch, logical_date)

            listed = list_new()
            if campaign.mailboxes:  # the share's files go on when the mailbox cannot be read

                @task(**step("collect", "fetch_mail"))
                def fetch_mail(logical_date: pendulum.DateTime | None = None) -> list[dict]:
                    return tasks.fetch_mail(campaign.id, logical_date)

                fetch_mail() >> listed
                listed.operator.trigger_rule = "all_done"
            return process.expand(batch=listed)

        @task_group(group_id="follow_up", group_display_name=calendar_doc.GROUPS["follow_up"])
        def follow_up(results: XComArg) -> None:
            # Also when no file was new (process skipped): receipts of an earlier scan that
            # the mail server refused are sent then. Not after a failed batch: a unit gets
            # one receipt per scan, so it waits until every file of the scan is stored.
            @task(**step("collect", "send_receipts"), trigger_rule="none_failed")
            def receipts(logical_date: pendulum.DateTime | None = None) -> int:
                return tasks.send_receipts(campaign.id, logical_date)

            @task(
                **step("collect", "publish_accepted_data"),
                outlets=[accepted_data_asset(campaign.id)],
            )
            def publish(results: list[list[dict]]) -> int:
                # One slice read: iterating the lazy sequence asks for one item past the
                # end, which Airflow logs as an "XCom not found" error on every run.
                outcomes = [o for batch in results[:] for o in batch]
                if not tasks.accepted_data_changed(outcomes):
                    raise AirflowSkipException("没有新接收的数据，不触发汇总")
                return len(outcomes)

            results >> receipts()  # receipts are built from the intake log, not the results
            publish(results)

        follow_up(intake())
    return d


def remind_dag(campaign: Campaign, timeline: Timeline) -> DAG:
    events = events_timetable(
        timeline.reminder_moments(), "提醒时刻（由行动日程推算，已避开节假日）"
    )
    with DAG(schedule=events, **_common(campaign, timeline, "remind")) as d:

        @task(**step("remind", "decide_messages"))
        def decide(logical_date: pendulum.DateTime | None = None) -> list[dict]:
            return tasks.decide_reminders(campaign.id, logical_date)

        @task(**step("remind", "send_messages"))
        def send(messages: list[dict]) -> None:
            tasks.send_reminders(campaign.id, messages)

        send(decide())
    return d


def consolidate_dag(campaign: Campaign, timeline: Timeline) -> DAG:
    schedule = AssetOrTimeSchedule(
        timetable=events_timetable(timeline.report_moments(), "汇总报告时刻，或报送数据更新时"),
        assets=accepted_data_asset(campaign.id),
    )
    with DAG(schedule=schedule, **_common(campaign, timeline, "consolidate")) as d:

        @task(**step("consolidate", "refresh_merged_tables"))
        def refresh() -> dict:
            return tasks.refresh_merged_tables(campaign.id)

        @task(**step("consolidate", "build_and_send_report"))
        def report(refreshed: dict, logical_date: pendulum.DateTime | None = None) -> None:
            tasks.build_and_send_report(campaign.id, logical_date, refreshed)

        report(refresh())
    return d


_DAG_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def broken_campaign_dag(error: CampaignFileError) -> DAG:
    """A stand-in DAG for a campaign file that cannot be loaded: it shows and fails with why."""
    name = _DAG_ID_UNSAFE.sub("_", error.path.stem) or "unnamed"
    message = error.message
    with DAG(
        dag_id=f"{name}__config_error",
        description=f"配置错误：{error.path.name}",
        doc_md=calendar_doc.broken_doc(error),
        tags=["配置错误", name],
        default_args={**default_args(), "retries": 0},
        schedule=None,
        catchup=False,
        start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai"),
    ) as d:

        @task(task_id="show_config_error")
        def fail() -> None:
            raise ValueError(message)

        fail()
    return d
