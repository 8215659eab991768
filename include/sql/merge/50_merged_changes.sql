-- merged_changes: each figure against the previous round that asked for the same form, per
-- unit and for all units (unit_code '*'). previous_value is blank when the unit had no figure
-- then; change is blank when either side is. The all-units row compares like with like: it
-- sums only the units that reported the figure in both rounds (value and previous_value are
-- those units' sums, not the rounds' 合计), so a unit rejected or missing in one round does
-- not make a cumulative figure "fall"; the per-unit rows with a previous_value say which.
DELETE FROM merged_changes WHERE campaign_id = :campaign_id;

INSERT INTO merged_changes (
    campaign_id, round_id, previous_round_id, form_id, unit_code, row_key, column_key,
    value, previous_value, change
)
SELECT
    cur.campaign_id,
    cur.round_id,
    rf.previous_round_id,
    cur.form_id,
    cur.unit_code,
    cur.row_key,
    cur.column_key,
    cur.value,
    prev.value,
    cur.value - prev.value
FROM merged_values cur
JOIN dd_forms f ON f.form_id = cur.form_id
JOIN dd_columns c
    ON c.form_id = cur.form_id AND c.column_key = cur.column_key AND c.is_numeric = 1
JOIN dd_round_forms rf
    ON rf.campaign_id = cur.campaign_id AND rf.round_id = cur.round_id
    AND rf.form_id = cur.form_id
LEFT JOIN merged_values prev
    ON prev.campaign_id = cur.campaign_id
    AND prev.round_id = rf.previous_round_id
    AND prev.form_id = cur.form_id
    AND prev.unit_code = cur.unit_code
    AND prev.row_key = cur.row_key
    AND prev.column_key = cur.column_key
WHERE cur.campaign_id = :campaign_id
    AND rf.previous_round_id IS NOT NULL
    AND cur.value IS NOT NULL
    AND (f.layout = 'fixed' OR cur.is_total = 1);

INSERT INTO merged_changes (
    campaign_id, round_id, previous_round_id, form_id, unit_code, row_key, column_key,
    value, previous_value, change
)
SELECT
    campaign_id,
    round_id,
    previous_round_id,
    form_id,
    '*',
    row_key,
    column_key,
    SUM(value),
    SUM(previous_value),
    SUM(change)
FROM merged_changes
WHERE campaign_id = :campaign_id AND unit_code <> '*' AND previous_value IS NOT NULL
GROUP BY campaign_id, round_id, previous_round_id, form_id, row_key, column_key;
