"""Consolidation: merged tables for analysts, the consolidated report and its email.

- ``merge.refresh`` runs ``include/sql/merge`` (SQLite and PostgreSQL) for one campaign;
- ``figures.round_figures`` reads a round back for the report, ``report.write_report`` lays
  it out in the bureau's format, ``summary`` renders the HTML mail body;
- ``deliver.send_reports_due`` builds and emails the reports due at a report moment, through
  the mail module and its ledger (revised versions when late figures changed a round);
- ``export`` writes the tables as CSV, Parquet or Excel with a data dictionary.
"""
