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
    AND d.deliverable_key = s.deliverable_key
