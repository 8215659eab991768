"""Review and return (退回修改): city staff approve each unit's accepted submission or send it
back with a reason. The policy lives in the campaign YAML (``review:``); decisions live in the
warehouse (``review_decisions``, with an ``audit_events`` row each). The Airflow half (the
human-in-the-loop tasks, the ``review`` CLI) is in ``campaign_ops/review/airflow*.py``.

Kept free of heavy imports: ``campaign.py`` imports the policy at parse time.
"""
