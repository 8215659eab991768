-- merged_to_date: figures to date per unit and for all units (unit_code '*'), over the whole
-- campaign (scope 'campaign', period_id '*') and per phase or year stage (scope 'phase',
-- period_id = the phase id). A cumulative column (累计数, in a cumulative round) is not summed
-- across rounds: its latest figure counts, per counting period (the whole campaign, or each
-- phase when the campaign restarts counting per phase); any other column is summed. A unit
-- missing from the latest round keeps its latest earlier figure.
DELETE FROM merged_to_date WHERE campaign_id = :campaign_id;

INSERT INTO merged_to_date (
    campaign_id, scope, period_id, form_id, unit_code, row_key, column_key, value, rounds_counted
)
SELECT
    campaign_id,
    'campaign',
    '*',
    form_id,
    unit_code,
    row_key,
    column_key,
    SUM(CASE WHEN is_cumulative = 0 OR recent = 1 THEN value END),
    COUNT(DISTINCT round_id)
FROM (
    SELECT
        mv.campaign_id,
        mv.round_id,
        mv.form_id,
        mv.unit_code,
        mv.row_key,
        mv.column_key,
        mv.value,
        c.cumulative * rf.round_cumulative AS is_cumulative,
        ROW_NUMBER() OVER (
            PARTITION BY mv.form_id, mv.unit_code, mv.row_key, mv.column_key, rf.period_id,
                c.cumulative * rf.round_cumulative
            ORDER BY rf.round_position DESC
        ) AS recent
    FROM merged_values mv
    JOIN dd_forms f ON f.form_id = mv.form_id
    JOIN dd_columns c
        ON c.form_id = mv.form_id AND c.column_key = mv.column_key AND c.is_numeric = 1
    JOIN dd_round_forms rf
        ON rf.campaign_id = mv.campaign_id AND rf.round_id = mv.round_id
        AND rf.form_id = mv.form_id
    WHERE mv.campaign_id = :campaign_id
        AND mv.value IS NOT NULL
        AND (f.layout = 'fixed' OR mv.is_total = 1)
) ranked
GROUP BY campaign_id, form_id, unit_code, row_key, column_key;

INSERT INTO merged_to_date (
    campaign_id, scope, period_id, form_id, unit_code, row_key, column_key, value, rounds_counted
)
SELECT
    campaign_id,
    'phase',
    phase_id,
    form_id,
    unit_code,
    row_key,
    column_key,
    SUM(CASE WHEN is_cumulative = 0 OR recent = 1 THEN value END),
    COUNT(DISTINCT round_id)
FROM (
    SELECT
        mv.campaign_id,
        mv.round_id,
        COALESCE(rf.phase_id, '-') AS phase_id,
        mv.form_id,
        mv.unit_code,
        mv.row_key,
        mv.column_key,
        mv.value,
        c.cumulative * rf.round_cumulative AS is_cumulative,
        ROW_NUMBER() OVER (
            PARTITION BY mv.form_id, mv.unit_code, mv.row_key, mv.column_key, rf.phase_id,
                c.cumulative * rf.round_cumulative
            ORDER BY rf.round_position DESC
        ) AS recent
    FROM merged_values mv
    JOIN dd_forms f ON f.form_id = mv.form_id
    JOIN dd_columns c
        ON c.form_id = mv.form_id AND c.column_key = mv.column_key AND c.is_numeric = 1
    JOIN dd_round_forms rf
        ON rf.campaign_id = mv.campaign_id AND rf.round_id = mv.round_id
        AND rf.form_id = mv.form_id
    WHERE mv.campaign_id = :campaign_id
        AND mv.value IS NOT NULL
        AND (f.layout = 'fixed' OR mv.is_total = 1)
) ranked
GROUP BY campaign_id, phase_id, form_id, unit_code, row_key, column_key;

INSERT INTO merged_to_date (
    campaign_id, scope, period_id, form_id, unit_code, row_key, column_key, value, rounds_counted
)
SELECT
    campaign_id,
    scope,
    period_id,
    form_id,
    '*',
    row_key,
    column_key,
    SUM(value),
    MAX(rounds_counted)
FROM merged_to_date
WHERE campaign_id = :campaign_id AND unit_code <> '*'
GROUP BY campaign_id, scope, period_id, form_id, row_key, column_key;
