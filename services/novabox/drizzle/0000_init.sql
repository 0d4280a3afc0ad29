CREATE TABLE `admin` (
	`id` integer PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`password_changed_at` integer NOT NULL,
	CONSTRAINT "admin_single_row" CHECK("admin"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `audit_anchors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`through_id` integer NOT NULL,
	`through_hash` text NOT NULL,
	`rows_purged` integer NOT NULL,
	`purged_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY NOT NULL,
	`time` integer NOT NULL,
	`operation` text NOT NULL,
	`outcome` text NOT NULL,
	`authentication_method` text NOT NULL,
	`fiscal_code` text NOT NULL,
	`request_id` text NOT NULL,
	`tobacconist_id` text NOT NULL,
	`actor` text NOT NULL,
	`anpr_protocol_number` text NOT NULL,
	`anpr_operation_id` text NOT NULL,
	`anpr_error_code` text NOT NULL,
	`detail` text NOT NULL,
	`previous_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_time` ON `audit_log` (`time`);--> statement-breakpoint
CREATE INDEX `audit_log_operation` ON `audit_log` (`operation`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_outcome` ON `audit_log` (`outcome`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_tobacconist` ON `audit_log` (`tobacconist_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_fiscal_code` ON `audit_log` (`fiscal_code`,`id`);--> statement-breakpoint
CREATE TABLE `certificates` (
	`kind` text PRIMARY KEY NOT NULL,
	`uploaded_at` integer NOT NULL,
	`sha256_fingerprint` text NOT NULL,
	`subject` text NOT NULL,
	`issuer` text NOT NULL,
	`serial_number` text NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `idempotency` (
	`tobacconist_id` text NOT NULL,
	`key` text NOT NULL,
	`request_fingerprint` text NOT NULL,
	`response` blob NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tobacconist_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_created_at` ON `idempotency` (`created_at`);--> statement-breakpoint
CREATE TABLE `login_failures` (
	`username` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`last_failure_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `operation_counter` (
	`id` integer PRIMARY KEY NOT NULL,
	`reserved_up_to` integer NOT NULL,
	CONSTRAINT "operation_counter_single_row" CHECK("operation_counter"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `secrets` (
	`name` text PRIMARY KEY NOT NULL,
	`ciphertext` blob NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`json` text NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "settings_single_row" CHECK("settings"."id" = 1)
);
