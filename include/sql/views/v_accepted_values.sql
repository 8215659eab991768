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
WHERE s.status = 'accepted'
