-- What the code before migrations 0004 and 0005 made in the warehouse by itself: upgrade()'s
-- views (include/sql/views) and a refresh's tables and views (include/sql/merge/00_schema.sql,
-- 01_views.sql) as they were then. Upgrading must adopt the tables and keep their rows.
-- The cells of the accepted version of each unit's statistics, in long form. Per-form wide
-- views (campaign_ops.store.views.create_wide_view) pivot this.
CREATE VIEW v_accepted_values AS
SELECT
    s.campaign_id,
    s.round_id,
    s.unit_code,
    u.name AS unit_name,
    u.position AS unit_position,
    s.deliverable_key,
    s.id AS submission_id,
    s.version,
    v.row_key,
    v.column_key,
    v.value,
    v.text
FROM submissions s
JOIN units u ON u.campaign_id = s.campaign_id AND u.code = s.unit_code
JOIN submitted_values v ON v.submission_id = s.id
WHERE s.status = 'accepted';
-- Every version of every submission, with the unit's and round's names: the analysts' starting
-- point for "who sent what, when, and what became of it".
CREATE VIEW v_submissions AS
SELECT
    s.id AS submission_id,
    s.campaign_id,
    s.round_id,
    r.title AS round_title,
    r.due_at,
    s.unit_code,
    u.name AS unit_name,
    u.short_name AS unit_short_name,
    s.deliverable_key,
    d.label AS deliverable_label,
    s.version,
    s.status,
    s.received_at,
    s.on_time,
    s.identified_by,
    s.rejection_summary,
    s.sha256,
    f.original_name
FROM submissions s
JOIN rounds r ON r.campaign_id = s.campaign_id AND r.round_id = s.round_id
JOIN units u ON u.campaign_id = s.campaign_id AND u.code = s.unit_code
JOIN archived_files f ON f.sha256 = s.sha256
LEFT JOIN round_deliverables d
    ON d.campaign_id = s.campaign_id AND d.round_id = s.round_id
    AND d.deliverable_key = s.deliverable_key;
-- Tables of the consolidation (campaign_ops.consolidate), created when missing. They are
-- derived data, rebuilt per campaign by every refresh, except report_issues (what was sent).
-- Column meanings: campaign_ops/consolidate/dictionary.py (and the generated 数据字典).
-- Portable types only: this file runs on SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS dd_forms (
    form_id VARCHAR(64) NOT NULL PRIMARY KEY,
    title TEXT NOT NULL,
    version INTEGER NOT NULL,
    layout VARCHAR(10) NOT NULL,
    row_header TEXT NOT NULL,
    total_row_key VARCHAR(40),
    total_row_label TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dd_columns (
    form_id VARCHAR(64) NOT NULL,
    column_key VARCHAR(40) NOT NULL,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    unit VARCHAR(20),
    type VARCHAR(10) NOT NULL,
    is_numeric INTEGER NOT NULL,
    cumulative INTEGER NOT NULL,
    group_label TEXT,
    derived INTEGER NOT NULL,
    PRIMARY KEY (form_id, column_key)
);
CREATE TABLE IF NOT EXISTS dd_rows (
    form_id VARCHAR(64) NOT NULL,
    row_key VARCHAR(40) NOT NULL,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    unit VARCHAR(20),
    part_of VARCHAR(40),
    in_total INTEGER NOT NULL,
    PRIMARY KEY (form_id, row_key)
);
CREATE TABLE IF NOT EXISTS dd_round_forms (
    campaign_id VARCHAR(60) NOT NULL,
    round_id VARCHAR(64) NOT NULL,
    form_id VARCHAR(64) NOT NULL,
    deliverable_key VARCHAR(64) NOT NULL,
    round_position INTEGER NOT NULL,
    round_cumulative INTEGER NOT NULL,
    previous_round_id VARCHAR(64),
    phase_id VARCHAR(64),
    phase_name TEXT,
    phase_kind VARCHAR(10),
    period_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (campaign_id, round_id, form_id)
);
CREATE TABLE IF NOT EXISTS merged_units (
    campaign_id VARCHAR(60) NOT NULL,
    round_id VARCHAR(64) NOT NULL,
    form_id VARCHAR(64) NOT NULL,
    unit_code VARCHAR(64) NOT NULL,
    unit_name TEXT NOT NULL,
    unit_short_name TEXT NOT NULL,
    unit_position INTEGER NOT NULL,
    status VARCHAR(16) NOT NULL,
    submission_id INTEGER,
    version INTEGER,
    on_time INTEGER,
    row_count INTEGER,
    PRIMARY KEY (campaign_id, round_id, form_id, unit_code)
);
CREATE TABLE IF NOT EXISTS merged_values (
    campaign_id VARCHAR(60) NOT NULL,
    round_id VARCHAR(64) NOT NULL,
    form_id VARCHAR(64) NOT NULL,
    unit_code VARCHAR(64) NOT NULL,
    row_key VARCHAR(200) NOT NULL,
    column_key VARCHAR(200) NOT NULL,
    value DOUBLE PRECISION,
    text TEXT,
    is_total INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, round_id, form_id, unit_code, row_key, column_key)
);
CREATE TABLE IF NOT EXISTS merged_round_totals (
    campaign_id VARCHAR(60) NOT NULL,
    round_id VARCHAR(64) NOT NULL,
    form_id VARCHAR(64) NOT NULL,
    row_key VARCHAR(200) NOT NULL,
    column_key VARCHAR(200) NOT NULL,
    value DOUBLE PRECISION,
    units_counted INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, round_id, form_id, row_key, column_key)
);
CREATE TABLE IF NOT EXISTS merged_to_date (
    campaign_id VARCHAR(60) NOT NULL,
    scope VARCHAR(8) NOT NULL,
    period_id VARCHAR(64) NOT NULL,
    form_id VARCHAR(64) NOT NULL,
    unit_code VARCHAR(64) NOT NULL,
    row_key VARCHAR(200) NOT NULL,
    column_key VARCHAR(200) NOT NULL,
    value DOUBLE PRECISION,
    rounds_counted INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, scope, period_id, form_id, unit_code, row_key, column_key)
);
CREATE TABLE IF NOT EXISTS merged_changes (
    campaign_id VARCHAR(60) NOT NULL,
    round_id VARCHAR(64) NOT NULL,
    previous_round_id VARCHAR(64) NOT NULL,
    form_id VARCHAR(64) NOT NULL,
    unit_code VARCHAR(64) NOT NULL,
    row_key VARCHAR(200) NOT NULL,
    column_key VARCHAR(200) NOT NULL,
    value DOUBLE PRECISION,
    previous_value DOUBLE PRECISION,
    change DOUBLE PRECISION,
    PRIMARY KEY (campaign_id, round_id, form_id, unit_code, row_key, column_key)
);
CREATE TABLE IF NOT EXISTS reporting_rounds (
    campaign_id VARCHAR(60) NOT NULL,
    round_id VARCHAR(64) NOT NULL,
    title TEXT NOT NULL,
    deadline VARCHAR(10) NOT NULL,
    expected INTEGER NOT NULL,
    actual INTEGER NOT NULL,
    on_time INTEGER NOT NULL,
    reporting_rate DOUBLE PRECISION NOT NULL,
    on_time_rate DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (campaign_id, round_id)
);
CREATE TABLE IF NOT EXISTS reporting_units (
    campaign_id VARCHAR(60) NOT NULL,
    round_id VARCHAR(64) NOT NULL,
    unit_code VARCHAR(64) NOT NULL,
    unit_name TEXT NOT NULL,
    status VARCHAR(20) NOT NULL,
    status_label TEXT NOT NULL,
    submitted_at VARCHAR(32),
    version INTEGER,
    PRIMARY KEY (campaign_id, round_id, unit_code)
);
CREATE TABLE IF NOT EXISTS reporting_unit_rates (
    campaign_id VARCHAR(60) NOT NULL,
    unit_code VARCHAR(64) NOT NULL,
    unit_name TEXT NOT NULL,
    expected INTEGER NOT NULL,
    actual INTEGER NOT NULL,
    on_time INTEGER NOT NULL,
    reporting_rate DOUBLE PRECISION NOT NULL,
    on_time_rate DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (campaign_id, unit_code)
);
CREATE TABLE IF NOT EXISTS report_issues (
    campaign_id VARCHAR(60) NOT NULL,
    round_id VARCHAR(64) NOT NULL,
    moment VARCHAR(32) NOT NULL,
    kind VARCHAR(20) NOT NULL,
    fingerprint VARCHAR(64) NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (campaign_id, round_id, moment, kind)
);
-- Analyst views over the merged tables, with the forms' Chinese labels and units of measure
-- joined in (from the dd_* tables), so a query needs no form spec at hand.
CREATE VIEW v_merged_round_totals AS
SELECT
    t.campaign_id,
    t.round_id,
    t.form_id,
    f.title AS form_title,
    t.row_key,
    COALESCE(r.label, f.total_row_label) AS row_label,
    t.column_key,
    c.label AS column_label,
    c.group_label,
    COALESCE(r.unit, c.unit) AS unit,
    t.value,
    t.units_counted
FROM merged_round_totals t
JOIN dd_forms f ON f.form_id = t.form_id
JOIN dd_columns c ON c.form_id = t.form_id AND c.column_key = t.column_key
LEFT JOIN dd_rows r ON r.form_id = t.form_id AND r.row_key = t.row_key;

CREATE VIEW v_merged_values AS
SELECT
    v.campaign_id,
    v.round_id,
    v.form_id,
    f.title AS form_title,
    v.unit_code,
    u.unit_name,
    u.unit_position,
    u.on_time,
    v.row_key,
    COALESCE(r.label, CASE WHEN v.is_total = 1 THEN f.total_row_label END) AS row_label,
    v.column_key,
    c.label AS column_label,
    c.group_label,
    COALESCE(r.unit, c.unit) AS unit,
    v.value,
    v.text
FROM merged_values v
JOIN merged_units u
    ON u.campaign_id = v.campaign_id AND u.round_id = v.round_id
    AND u.form_id = v.form_id AND u.unit_code = v.unit_code
JOIN dd_forms f ON f.form_id = v.form_id
JOIN dd_columns c ON c.form_id = v.form_id AND c.column_key = v.column_key
LEFT JOIN dd_rows r ON r.form_id = v.form_id AND r.row_key = v.row_key;
