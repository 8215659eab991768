-- merged_to_date: figures to date over the whole campaign (scope 'campaign', period_id '*')
-- per unit and for all units (unit_code '*'), and per phase or year stage (scope 'phase',
-- period_id = the phase id) for all units. A cumulative column (累计数, in a cumulative round) is not summed
-- across rounds: its latest figure counts, per counting period (the whole campaign, or each
-- phase when the campaign restarts counting per phase); any other column is summed. A unit
-- missing from the latest round keeps its latest earlier figure. (Grouping and joining back
-- to the latest round, rather than a window function: 4x faster on SQLite for 3,000 units.)
DELETE FROM merged_to_date WHERE campaign_id = :campaign_id;

INSERT INTO merged_to_date (
    campaign_id, scope, period_id, form_id, unit_code, row_key, column_key, value, rounds_counted
)
SELECT
    g.campaign_id,
    'campaign',
    '*',
    g.form_id,
    g.unit_code,
    g.row_key,
    g.column_key,
    SUM(CASE WHEN g.is_cumulative = 0 THEN g.total ELSE latest.value END),
    SUM(g.rounds)
FROM (
    SELECT
        mv.campaign_id,
        mv.form_id,
        mv.unit_code,
        mv.row_key,
        mv.column_key,
        rf.period_id AS period_id,
        c.cumulative * rf.round_cumulative AS is_cumulative,
        SUM(mv.value) AS total,
        MAX(rf.round_position) AS last_position,
        COUNT(*) AS rounds
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
    GROUP BY
        mv.campaign_id, mv.form_id, mv.unit_code, mv.row_key, mv.column_key, rf.period_id,
        c.cumulative * rf.round_cumulative
) g
LEFT JOIN dd_round_forms last_round
    ON g.is_cumulative = 1
    AND last_round.campaign_id = g.campaign_id
    AND last_round.form_id = g.form_id
    AND last_round.round_position = g.last_position
LEFT JOIN merged_values latest
    ON latest.campaign_id = g.campaign_id
    AND latest.round_id = last_round.round_id
    AND latest.form_id = g.form_id
    AND latest.unit_code = g.unit_code
    AND latest.row_key = g.row_key
    AND latest.column_key = g.column_key
GROUP BY g.campaign_id, g.form_id, g.unit_code, g.row_key, g.column_key;

INSERT INTO merged_to_date (
    campaign_id, scope, period_id, form_id, unit_code, row_key, column_key, value, rounds_counted
)
SELECT
    g.campaign_id,
    'phase',
    g.period_id,
    g.form_id,
    '*',
    g.row_key,
    g.column_key,
    SUM(CASE WHEN g.is_cumulative = 0 THEN g.total ELSE latest.value END),
    MAX(g.rounds)
FROM (
    SELECT
        mv.campaign_id,
        mv.form_id,
        mv.unit_code,
        mv.row_key,
        mv.column_key,
        COALESCE(rf.phase_id, '-') AS period_id,
        c.cumulative * rf.round_cumulative AS is_cumulative,
        SUM(mv.value) AS total,
        MAX(rf.round_position) AS last_position,
        COUNT(*) AS rounds
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
    GROUP BY
        mv.campaign_id, mv.form_id, mv.unit_code, mv.row_key, mv.column_key, COALESCE(rf.phase_id, '-'),
        c.cumulative * rf.round_cumulative
) g
LEFT JOIN dd_round_forms last_round
    ON g.is_cumulative = 1
    AND last_round.campaign_id = g.campaign_id
    AND last_round.form_id = g.form_id
    AND last_round.round_position = g.last_position
LEFT JOIN merged_values latest
    ON latest.campaign_id = g.campaign_id
    AND latest.round_id = last_round.round_id
    AND latest.form_id = g.form_id
    AND latest.unit_code = g.unit_code
    AND latest.row_key = g.row_key
    AND latest.column_key = g.column_key
GROUP BY g.campaign_id, g.period_id, g.form_id, g.row_key, g.column_key;

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
WHERE campaign_id = :campaign_id AND scope = 'campaign' AND unit_code <> '*'
GROUP BY campaign_id, scope, period_id, form_id, row_key, column_key;
