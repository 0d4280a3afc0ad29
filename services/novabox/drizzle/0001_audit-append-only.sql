-- The audit log is append-only: rows are never updated, and only rows at or below the latest purge
-- anchor (recorded first, in the same transaction) may be deleted. Defence in depth: someone with
-- raw SQL access can drop these triggers, and the hash chain still exposes the change.
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_delete_only_purged` BEFORE DELETE ON `audit_log`
WHEN OLD.`id` > (SELECT coalesce(max(`through_id`), 0) FROM `audit_anchors`)
BEGIN
  SELECT RAISE(ABORT, 'audit rows are deleted only by a recorded purge');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_anchors_no_update` BEFORE UPDATE ON `audit_anchors`
BEGIN
  SELECT RAISE(ABORT, 'purge anchors are append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_anchors_no_delete` BEFORE DELETE ON `audit_anchors`
BEGIN
  SELECT RAISE(ABORT, 'purge anchors are append-only');
END;
