-- merged_values: every cell of the accepted versions in long form, plus each unit's 合计 row
-- recomputed from its rows (is_total = 1). The unit's own 合计 row is left out: intake
-- already checked it adds up, and recomputing keeps blanks blank (a SUM over blanks is
-- blank, never zero). Rows that count in the total: fixed rows that are not 其中 rows; every
-- row of a list form. A list form's 合计 row also carries row_count (rows filled in).
DELETE FROM merged_values WHERE campaign_id = :campaign_id;

INSERT INTO merged_values (
    campaign_id, round_id, form_id, unit_code, row_key, column_key, value, text, is_total
)
SELECT
    mu.campaign_id,
    mu.round_id,
    mu.form_id,
    mu.unit_code,
    v.row_key,
    v.column_key,
    CAST(v.value AS DOUBLE PRECISION),
    v.text,
    0
FROM merged_units mu
JOIN dd_forms f ON f.form_id = mu.form_id
JOIN submitted_values v ON v.submission_id = mu.submission_id
WHERE mu.campaign_id = :campaign_id
    AND (f.total_row_key IS NULL OR v.row_key <> f.total_row_key);

INSERT INTO merged_values (
    campaign_id, round_id, form_id, unit_code, row_key, column_key, value, text, is_total
)
SELECT
    mv.campaign_id,
    mv.round_id,
    mv.form_id,
    mv.unit_code,
    f.total_row_key,
    mv.column_key,
    SUM(mv.value),
    NULL,
    1
FROM merged_values mv
JOIN dd_forms f ON f.form_id = mv.form_id
JOIN dd_columns c
    ON c.form_id = mv.form_id AND c.column_key = mv.column_key AND c.is_numeric = 1
LEFT JOIN dd_rows r ON r.form_id = mv.form_id AND r.row_key = mv.row_key
WHERE mv.campaign_id = :campaign_id
    AND mv.is_total = 0
    AND f.total_row_key IS NOT NULL
    AND (f.layout = 'list' OR r.in_total = 1)
GROUP BY mv.campaign_id, mv.round_id, mv.form_id, mv.unit_code, f.total_row_key, mv.column_key;

INSERT INTO merged_values (
    campaign_id, round_id, form_id, unit_code, row_key, column_key, value, text, is_total
)
SELECT
    mu.campaign_id,
    mu.round_id,
    mu.form_id,
    mu.unit_code,
    f.total_row_key,
    'row_count',
    mu.row_count,
    NULL,
    1
FROM merged_units mu
JOIN dd_forms f ON f.form_id = mu.form_id
WHERE mu.campaign_id = :campaign_id AND f.layout = 'list' AND mu.status = 'accepted';
