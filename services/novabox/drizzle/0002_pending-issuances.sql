CREATE TABLE `pending_issuances` (
	`tobacconist_id` text NOT NULL,
	`key` text NOT NULL,
	`request_fingerprint` text NOT NULL,
	`operation_id` text NOT NULL,
	`fiscal_code` text NOT NULL,
	`request` text NOT NULL,
	`state` text NOT NULL,
	`refusal` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_reason` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tobacconist_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `pending_issuances_state` ON `pending_issuances` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `pending_issuances_operation` ON `pending_issuances` (`operation_id`);