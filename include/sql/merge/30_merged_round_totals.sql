-- merged_round_totals: the 合计 over units per round, form, row and numeric column, summed
-- over the units that reported a figure (units_counted says how many did).
DELETE FROM merged_round_totals WHERE campaign_id = :campaign_id;

INSERT INTO merged_round_totals (
    campaign_id, round_id, form_id, row_key, column_key, value, units_counted
)
SELECT
    mv.campaign_id,
    mv.round_id,
    mv.form_id,
    mv.row_key,
    mv.column_key,
    SUM(mv.value),
    COUNT(mv.value)
FROM merged_values mv
JOIN dd_forms f ON f.form_id = mv.form_id
JOIN dd_columns c
    ON c.form_id = mv.form_id AND c.column_key = mv.column_key AND c.is_numeric = 1
WHERE mv.campaign_id = :campaign_id AND (f.layout = 'fixed' OR mv.is_total = 1)
GROUP BY mv.campaign_id, mv.round_id, mv.form_id, mv.row_key, mv.column_key;
