"""Consolidation: merged tables for analysts, the consolidated report and its email.

- ``merge.refresh`` runs ``include/sql/merge`` (the same SQL on SQLite and PostgreSQL) for one
  campaign; ``dictionary`` describes the tables and writes the form specs into ``dd_*``;
- ``figures`` reads a round (or the campaign to date) back from those tables;
- ``report`` lays it out in the bureau's format (``cells`` writes values safely, ``sheets``
  adds the case list, status, phase and chart sheets); ``summary`` renders the mail body;
- ``deliver`` builds and emails the reports due at a report moment through the mail ledger,
  with revised versions when late figures changed a round already reported;
- ``export`` and ``cli`` give analysts and ops the same on demand; ``seeding`` puts known
  figures into the warehouse for tests and the benchmark.
"""
