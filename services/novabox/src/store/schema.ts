/**
 * The Novabox database schema (drizzle-orm), the single source the SQL migrations in
 * services/novabox/drizzle are generated from (`npx drizzle-kit generate --config
 * services/novabox/drizzle.config.ts`). Times are integer epoch milliseconds; secrets live only in
 * `secrets`, AES-256-GCM encrypted (see secret-box.ts). The audit log's append-only guards are
 * triggers in a hand-written migration, because drizzle-kit does not model triggers.
 */
import { sql } from "drizzle-orm";
import { blob, check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The settings document (one row, JSON), so new fields need no migration and get defaults. */
export const settings = sqliteTable(
  "settings",
  {
    id: integer("id").primaryKey(),
    json: text("json").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [check("settings_single_row", sql`${t.id} = 1`)],
);

/** Encrypted values by purpose name; the name is the AES-GCM AAD, so values cannot be swapped. */
export const secrets = sqliteTable("secrets", {
  name: text("name").primaryKey(),
  ciphertext: blob("ciphertext", { mode: "buffer" }).notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** What may be shown about each uploaded certificate (`ca` or `workstation`), never its content. */
export const certificates = sqliteTable("certificates", {
  kind: text("kind").primaryKey(),
  uploadedAt: integer("uploaded_at").notNull(),
  sha256Fingerprint: text("sha256_fingerprint").notNull(),
  subject: text("subject").notNull(),
  issuer: text("issuer").notNull(),
  serialNumber: text("serial_number").notNull(),
  notBefore: integer("not_before").notNull(),
  notAfter: integer("not_after").notNull(),
});

/** The single admin account. */
export const admin = sqliteTable(
  "admin",
  {
    id: integer("id").primaryKey(),
    username: text("username").notNull(),
    passwordHash: text("password_hash").notNull(),
    passwordChangedAt: integer("password_changed_at").notNull(),
  },
  (t) => [check("admin_single_row", sql`${t.id} = 1`)],
);

/** Failed logins per username, for lockout and backoff. */
export const loginFailures = sqliteTable("login_failures", {
  username: text("username").primaryKey(),
  count: integer("count").notNull(),
  lastFailureAt: integer("last_failure_at").notNull(),
});

/** The hash-chained, append-only audit log (see audit-log.ts for the hash definition). */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey(),
    time: integer("time").notNull(),
    operation: text("operation").notNull(),
    outcome: text("outcome").notNull(),
    authenticationMethod: text("authentication_method").notNull(),
    fiscalCode: text("fiscal_code").notNull(),
    requestId: text("request_id").notNull(),
    tobacconistId: text("tobacconist_id").notNull(),
    actor: text("actor").notNull(),
    anprProtocolNumber: text("anpr_protocol_number").notNull(),
    anprOperationId: text("anpr_operation_id").notNull(),
    anprErrorCode: text("anpr_error_code").notNull(),
    detail: text("detail").notNull(),
    previousHash: text("previous_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_log_time").on(t.time),
    index("audit_log_operation").on(t.operation, t.id),
    index("audit_log_outcome").on(t.outcome, t.id),
    index("audit_log_tobacconist").on(t.tobacconistId, t.id),
    index("audit_log_fiscal_code").on(t.fiscalCode, t.id),
  ],
);

/** One row per purge: the last purged row's id and hash, where verification restarts. */
export const auditAnchors = sqliteTable("audit_anchors", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  throughId: integer("through_id").notNull(),
  throughHash: text("through_hash").notNull(),
  rowsPurged: integer("rows_purged").notNull(),
  purgedAt: integer("purged_at").notNull(),
});

/** Stored issuance results by (tobacconist, idempotency key). */
export const idempotency = sqliteTable(
  "idempotency",
  {
    tobacconistId: text("tobacconist_id").notNull(),
    key: text("key").notNull(),
    requestFingerprint: text("request_fingerprint").notNull(),
    response: blob("response", { mode: "buffer" }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tobacconistId, t.key] }), index("idempotency_created_at").on(t.createdAt)],
);

/**
 * Certificate requests sent (or about to be sent) to ANPR without a verified answer yet: the key, the
 * request fingerprint and the `idOperazioneComune` are committed before ANPR is called, so every
 * retry — and the settling task after a crash — sends the same id and ANPR replays its answer
 * instead of making a second act. `state` is `pending` (outcome unknown) or `refused` (ANPR's KO,
 * kept so a retry gets the same refusal). A verified answer moves the key to `idempotency`.
 */
export const pendingIssuances = sqliteTable(
  "pending_issuances",
  {
    tobacconistId: text("tobacconist_id").notNull(),
    key: text("key").notNull(),
    requestFingerprint: text("request_fingerprint").notNull(),
    operationId: text("operation_id").notNull(),
    fiscalCode: text("fiscal_code").notNull(),
    request: text("request").notNull(),
    state: text("state").notNull(),
    refusal: text("refusal").notNull(),
    attempts: integer("attempts").notNull(),
    lastReason: text("last_reason").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tobacconistId, t.key] }),
    index("pending_issuances_state").on(t.state, t.createdAt),
    index("pending_issuances_operation").on(t.operationId),
  ],
);

/** The `idOperazioneComune` high-water mark: every value up to it may have been handed out. */
export const operationCounter = sqliteTable(
  "operation_counter",
  {
    id: integer("id").primaryKey(),
    reservedUpTo: integer("reserved_up_to").notNull(),
  },
  (t) => [check("operation_counter_single_row", sql`${t.id} = 1`)],
);
