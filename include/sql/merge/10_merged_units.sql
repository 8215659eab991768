-- merged_units: one row per (round, form, unit asked to report it). The figures that count are
-- those of the unit's accepted version (at most one per slot: a newer accepted version
-- supersedes the older). A unit without one shows the status of its latest version
-- (rejected, not_ready, received) or 'missing': the report names it, never counts it as zero.
DELETE FROM merged_units WHERE campaign_id = :campaign_id;

INSERT INTO merged_units (
    campaign_id, round_id, form_id, unit_code, unit_name, unit_short_name, unit_position,
    status, submission_id, version, on_time, row_count
)
SELECT
    rf.campaign_id,
    rf.round_id,
    rf.form_id,
    u.code,
    u.name,
    u.short_name,
    u.position,
    CASE
        WHEN acc.id IS NOT NULL THEN 'accepted'
        ELSE COALESCE(
            (
                SELECT s.status
                FROM submissions s
                WHERE s.campaign_id = rf.campaign_id
                    AND s.round_id = rf.round_id
                    AND s.unit_code = u.code
                    AND s.deliverable_key = rf.deliverable_key
                ORDER BY s.version DESC
                LIMIT 1
            ),
            'missing'
        )
    END,
    acc.id,
    acc.version,
    CASE WHEN acc.id IS NULL THEN NULL WHEN acc.on_time THEN 1 ELSE 0 END,
    CASE
        WHEN f.layout = 'list' AND acc.id IS NOT NULL THEN (
            SELECT COUNT(DISTINCT v.row_key)
            FROM submitted_values v
            WHERE v.submission_id = acc.id
                AND (f.total_row_key IS NULL OR v.row_key <> f.total_row_key)
        )
    END
FROM dd_round_forms rf
JOIN dd_forms f ON f.form_id = rf.form_id
JOIN round_units ru ON ru.campaign_id = rf.campaign_id AND ru.round_id = rf.round_id
JOIN units u ON u.campaign_id = ru.campaign_id AND u.code = ru.unit_code
LEFT JOIN submissions acc
    ON acc.campaign_id = rf.campaign_id
    AND acc.round_id = rf.round_id
    AND acc.unit_code = u.code
    AND acc.deliverable_key = rf.deliverable_key
    AND acc.status = 'accepted'
WHERE rf.campaign_id = :campaign_id;
