/**
 * novabox.config.v1.ConfigService: the admin panel's API. Everything but GetSetupStatus,
 * RegisterAdmin and Login needs an admin session, checked by the server's auth step (auth.ts
 * `configPolicies`) before a handler runs; handlers read the admin from `context.principal`. Certificates
 * are returned only as summaries; no secret is ever part of an answer.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  AnprEnvironment as PbEnvironment,
  ConnectionTestStage,
  type ConfigService as ConfigServiceDesc,
} from "#gen/novabox/config/v1/config_service_pb.js";
import type { ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import type { CallContext } from "#shared/rpc/grpc-adapter.js";
import type { AdminService, AdminSession } from "../domain/admin-service.js";
import type { ConfigService } from "../domain/config-service.js";
import type { AuditLog, PendingIssuance } from "../domain/ports.js";
import type { ConfigStore } from "../domain/ports.js";
import { anprMessages } from "./tobacconist-calls.js";
import { principalOf } from "#shared/rpc/call-auth.js";
import { sourceAddress } from "./auth.js";
import {
  applySettingsUpdate,
  auditEntryToMessage,
  auditFilterFromMessage,
  certificateInfo,
  settingsToMessage,
  summaryToMessage,
  verificationToMessage,
  witnessToMessage,
} from "./config-mappers.js";
import { weeklySummary, type AuditAnalyzer } from "../domain/audit-analysis.js";
import type { AuditEvidence } from "../domain/audit-evidence.js";

/** Options for {@link createConfigHandlers}. */
export interface ConfigHandlersOptions {
  admin: AdminService;
  config: ConfigService;
  store: ConfigStore;
  audit: AuditLog;
  clock: () => Date;
  /** The ANPR endpoint the box calls (for the connection test's answer). */
  anprEndpoint: () => string;
  /** Certificate requests whose outcome at ANPR is still unknown, oldest first. */
  unsettledIssuances?: () => PendingIssuance[];
  /** Checkpoints, witness comparison and signed exports. */
  evidence: AuditEvidence;
  /** The periodic log analysis (for the weekly summary). */
  analyzer: AuditAnalyzer;
}

const sessionMessage = (s: AdminSession) => ({ token: s.token, expiresAt: timestampFromDate(s.expiresAt) });

/** Creates the ConfigService handlers. */
export function createConfigHandlers(options: ConfigHandlersOptions): ServiceImpl<typeof ConfigServiceDesc> {
  const { admin, config, store, audit } = options;
  const adminOf = (context: CallContext) => principalOf(context, "admin").username;
  const setupStatus = () => config.setupStatus(admin.adminRegistered());
  const configMessage = () => ({
    settings: settingsToMessage(store.getSettings()),
    setupStatus: setupStatus(),
    caCertificate: certificateInfo(store.caCertificateSummary()),
    workstationCertificate: certificateInfo(store.workstationCertificateSummary()),
    ...(store.updatedAt() ? { updatedAt: timestampFromDate(store.updatedAt()!) } : {}),
  });

  return {
    getSetupStatus: () => ({ status: setupStatus() }),
    async registerAdmin(request) {
      return { session: sessionMessage(await admin.registerAdmin(request.username, request.password)) };
    },
    async login(request, context) {
      return { session: sessionMessage(await admin.login(request.username, request.password, sourceAddress(context))) };
    },
    async changePassword(request, context) {
      return {
        session: sessionMessage(
          await admin.changePassword(
            adminOf(context),
            request.currentPassword,
            request.newPassword,
            sourceAddress(context),
          ),
        ),
      };
    },
    getConfig() {
      return { config: configMessage(), warnings: config.warnings() };
    },
    updateConfig(request, context) {
      const actor = adminOf(context);
      const paths = request.updateMask?.paths ?? [];
      const next = applySettingsUpdate(store.getSettings(), request.settings, paths, options.clock());
      config.updateSettings(next, actor, paths);
      return { config: configMessage() };
    },
    async uploadCaCertificate(request, context) {
      const actor = adminOf(context);
      return {
        certificate: certificateInfo(await config.uploadCaCertificate(request.certificate, request.password, actor)),
      };
    },
    async uploadWorkstationCertificate(request, context) {
      const actor = adminOf(context);
      return {
        certificate: certificateInfo(await config.uploadWorkstationCertificate(request.pkcs12, request.pin, actor)),
      };
    },
    async testAnprConnection(_request, context) {
      const actor = adminOf(context);
      const result = await config.testConnection(actor);
      return {
        ok: result.ok,
        environment: PbEnvironment[store.getSettings().environment],
        endpointUrl: options.anprEndpoint(),
        failedStage: result.failedStage ? ConnectionTestStage[result.failedStage] : ConnectionTestStage.UNSPECIFIED,
        detail: result.detail,
        anprErrors: anprMessages(result.anprErrors),
        latency: durationFromMs(result.latencyMs),
        testedAt: timestampFromDate(result.testedAt),
        ...(result.clockSkewMs === undefined ? {} : { clockSkew: durationFromMs(result.clockSkewMs) }),
        warnings: result.warnings,
      };
    },
    async testNovaresConnection(_request, context) {
      const actor = adminOf(context);
      const result = await config.testNovaresConnection(actor);
      return {
        ok: result.ok,
        discoveryAddress: result.discoveryAddress,
        advertisedAddress: result.advertisedAddress,
        detail: result.detail,
        statusCode: result.statusCode,
        reason: result.reason,
        failedStage: result.failedStage ?? "",
        latency: durationFromMs(result.latencyMs),
        testedAt: timestampFromDate(result.testedAt),
        instanceId: result.instanceId,
        serving: result.serving,
      };
    },
    listAuditLog(request) {
      const page = audit.list(
        auditFilterFromMessage(request.filter),
        request.pageSize || 100,
        request.pageToken || undefined,
      );
      return { entries: page.entries.map(auditEntryToMessage), nextPageToken: page.nextCursor ?? "" };
    },
    async *exportAuditLog(request, context) {
      const actor = adminOf(context);
      let exported = 0;
      for (const batch of audit.export(auditFilterFromMessage(request.filter), 500)) {
        // One event-loop turn per batch: a client's cancellation is seen here, and other calls run.
        await nextTurn();
        if (context.signal.aborted) {
          config.recordAuditLogAccess(
            "AUDIT_EXPORT",
            actor,
            "FAILED",
            `export cancelled by the client after ${exported} entries`,
          );
          return;
        }
        exported += batch.length;
        yield { entries: batch.map(auditEntryToMessage) };
      }
      config.recordAuditLogAccess("AUDIT_EXPORT", actor, "SUCCESS", `${exported} entries exported`);
    },
    async verifyAuditLog(_request, context) {
      const actor = adminOf(context);
      const verification = audit.verify();
      const witness = await options.evidence.compareWithWitness();
      config.recordAuditLogAccess(
        "AUDIT_VERIFY",
        actor,
        "SUCCESS",
        (verification.ok
          ? `chain intact: ${verification.rowsChecked} entries checked`
          : `chain BROKEN at entry ${verification.firstBrokenId ?? "?"}: ${verification.failure ?? ""}`) +
          (witness
            ? `; witness ${witness.outcome.toLowerCase()}${witness.first ? ` at checkpoint #${witness.first.sequence}` : ""}`
            : ""),
      );
      return {
        ...verificationToMessage(verification, options.clock()),
        ...(witness ? { witness: witnessToMessage(witness) } : {}),
      };
    },
    exportAuditCsv(request, context) {
      const actor = adminOf(context);
      const exported = options.evidence.exportCsv(auditFilterFromMessage(request.filter));
      config.recordAuditLogAccess("AUDIT_EXPORT", actor, "SUCCESS", `signed CSV export of ${exported.rows} entries`);
      return {
        csv: exported.csv,
        signatureFile: exported.signatureFile,
        rows: BigInt(exported.rows),
        checkpoint: exported.checkpoint,
      };
    },
    getAuditSummary() {
      return summaryToMessage(weeklySummary(audit, options.clock(), options.analyzer.lastRunAt()));
    },
    listUnsettledIssuances() {
      return {
        issuances: (options.unsettledIssuances?.() ?? []).map((p) => ({
          tobacconistId: p.tobacconistId,
          idempotencyKey: p.key,
          idOperazioneComune: p.operationId,
          fiscalCode: p.fiscalCode,
          createdAt: timestampFromDate(p.createdAt),
          updatedAt: timestampFromDate(p.updatedAt),
          attempts: p.attempts,
          lastReason: p.lastReason,
        })),
      };
    },
  };
}
