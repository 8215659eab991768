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
