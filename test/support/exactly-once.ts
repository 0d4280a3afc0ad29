/**
 * Helpers of the exactly-once tests (test/integration/exactly-once-*.test.ts): the simulator's admin
 * endpoints over HTTPS (`/__sim/faults`, `/__sim/operations`), a Trento Novabox configured through
 * its ConfigService, the audit rows of certificate issues, and a process's memory from /proc.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { Client, credentials, type ChannelCredentials } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import {
  AnprEnvironment,
  AuditOperation,
  ConfigService,
  SettingsSchema,
  type AuditEntry,
} from "#gen/novabox/config/v1/config_service_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import type { DevPkiManifest } from "#shared/dev-pki/anpr-dev-pki.js";

/** One act of the simulator's operation log (`GET /__sim/operations`). */
export interface SimOperation {
  comuneCode: string;
  idOperazioneComune: string;
  service: string;
  outcome: "OK" | "KO";
  protocolNumber: string;
  fiscalCode: string;
  issuance: number;
  at: string;
}

/** The simulator's admin door, reached over HTTPS like the boxes reach it. */
export interface SimAdmin {
  /** PUT /__sim/faults: replaces the given knobs. */
  setFaults(patch: Record<string, unknown>): Promise<void>;
  /** DELETE /__sim/faults. */
  clearFaults(): Promise<void>;
  /** GET /__sim/operations: every operation ANPR carried out, oldest first. */
  operations(): Promise<SimOperation[]>;
}

/** Creates the {@link SimAdmin} of the simulator at `url`, whose TLS certificate chains to `caFile`. */
export function simAdmin(url: string, caFile: string): SimAdmin {
  const ca = readFileSync(caFile, "utf8");
  const call = (method: string, path: string, body?: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        new URL(path, url),
        { method, ca, agent: false, headers: body ? { "content-type": "application/json" } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if ((res.statusCode ?? 0) >= 300)
              reject(new Error(`${method} ${path}: HTTP ${String(res.statusCode)} ${text}`));
            else resolve(text);
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  return {
    async setFaults(patch) {
      await call("PUT", "/__sim/faults", JSON.stringify(patch));
    },
    async clearFaults() {
      await call("DELETE", "/__sim/faults");
    },
    async operations() {
      return JSON.parse(await call("GET", "/__sim/operations")) as SimOperation[];
    },
  };
}

/** The certificates (6001, emissione 1, answered OK) among `operations`. */
export const certificatesOf = (operations: SimOperation[]): SimOperation[] =>
  operations.filter((o) => o.service === "6001" && o.issuance === 1 && o.outcome === "OK" && o.protocolNumber !== "");

/** Options of {@link configureTrentoBox}. */
export interface ConfigureTrentoBoxOptions {
  grpcPort: number;
  manifest: DevPkiManifest;
  simUrl: string;
  ssoPublicKeyPem: string;
  ssoIssuer: string;
  /** The box's IdPostazione (distinct per box: it names the box inside each idOperazioneComune). */
  workstationId: string;
  /** The router to announce to, when the box is part of a mesh. */
  novaresDiscoveryAddress?: string;
  /** How to reach the box's gRPC port (default plaintext; mesh credentials when it runs mutual TLS). */
  channelCredentials?: ChannelCredentials;
}

/** Registers the admin, uploads the CA and workstation certificates and the settings, tests ANPR; returns an admin ConfigService client. */
export async function configureTrentoBox(options: ConfigureTrentoBoxOptions): Promise<{
  config: GrpcClient<typeof ConfigService>;
  admin: { metadata: Record<string, string> };
  close: () => void;
}> {
  const channel = new Client(
    `127.0.0.1:${String(options.grpcPort)}`,
    options.channelCredentials ?? credentials.createInsecure(),
  );
  const config = createGrpcClient(ConfigService, channel);
  const session = (await config.registerAdmin({ username: "admin", password: "correct horse battery staple" })).session!
    .token;
  const admin = { metadata: { authorization: `Bearer ${session}` } };
  const ws = options.manifest.workstations.find((w) => w.comuneCode === "022205")!;
  await config.uploadCaCertificate(
    { certificate: readFileSync(options.manifest.simulator.caCertificateFile), password: "" },
    admin,
  );
  await config.uploadWorkstationCertificate(
    { pkcs12: readFileSync(ws.pkcs12File), pin: readFileSync(ws.pinFile, "utf8").trim() },
    admin,
  );
  const settings = create(SettingsSchema, {
    operatorId: ws.operatorId,
    officeId: ws.sedeId,
    workstationId: options.workstationId,
    comuneCode: "022205",
    comuneName: "Trento",
    anprEnvironment: AnprEnvironment.TEST,
    anprBaseUrl: options.simUrl,
    registryOfficerSurname: "BIANCHI",
    registryOfficerName: "ANNA",
    ...(options.novaresDiscoveryAddress
      ? { novaresDiscoveryAddress: options.novaresDiscoveryAddress, advertisedHost: "127.0.0.1" }
      : {}),
    ssoPublicKeyPem: options.ssoPublicKeyPem,
    ssoIssuer: options.ssoIssuer,
    ssoAudience: "novabox",
    logRetentionDays: 365,
    rateLimits: {
      perTobacconistPerMinute: 10_000,
      massExtractionDistinctFiscalCodes: 1000,
      massExtractionWindow: { seconds: 3600n },
    },
    serviceFeeCents: 200n,
    stampDutyCents: 1600n,
    enabledCertificateTypes: Array.from({ length: 19 }, (_, i) => i + 1),
  });
  await config.updateConfig({ settings, updateMask: { paths: ["*"] } }, admin);
  const test = await config.testAnprConnection({}, admin);
  if (!test.ok) throw new Error(`ANPR connectivity test failed: ${test.detail}`);
  return { config, admin, close: () => channel.close() };
}

/** Logs in as the admin {@link configureTrentoBox} registered; returns a ConfigService client. */
export async function loginAdmin(grpcPort: number): Promise<{
  config: GrpcClient<typeof ConfigService>;
  admin: { metadata: Record<string, string> };
  close: () => void;
}> {
  const channel = new Client(`127.0.0.1:${String(grpcPort)}`, credentials.createInsecure());
  const config = createGrpcClient(ConfigService, channel);
  const session = (await config.login({ username: "admin", password: "correct horse battery staple" })).session!.token;
  return { config, admin: { metadata: { authorization: `Bearer ${session}` } }, close: () => channel.close() };
}

/** Every CERTIFICATE_ISSUE row of the box's audit log, oldest first (ListAuditLog, paged). */
export async function certificateIssueRows(
  config: GrpcClient<typeof ConfigService>,
  admin: { metadata: Record<string, string> },
): Promise<AuditEntry[]> {
  const rows: AuditEntry[] = [];
  let pageToken = "";
  do {
    const page = await config.listAuditLog(
      { filter: { operations: [AuditOperation.CERTIFICATE_ISSUE] }, pageSize: 1000, pageToken },
      admin,
    );
    rows.push(...page.entries);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return rows.reverse();
}

/** VmRSS and VmHWM (peak RSS) of a process, in kB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssKb: number; peakKb: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssKb: kb("VmRSS"), peakKb: kb("VmHWM") };
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux ≥ 4.0). */
export function resetPeakMemory(pid: number): void {
  writeFileSync(`/proc/${String(pid)}/clear_refs`, "5");
}
