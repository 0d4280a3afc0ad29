/**
 * Builds the ANPR client from the box's current configuration and keeps it while the configuration
 * is unchanged: the key is opened and IdPostazioneFirmato computed once per credentials, never per
 * request. The key comes from its sealed PEM copy (node:crypto, a millisecond); the PKCS#12 itself
 * is decoded (node-forge, loaded then) only for candidate credentials under test and once on a box
 * configured before that copy was kept, which then stores it. Any change to settings or certificates makes the next call
 * rebuild it (and close the old keep-alive connections).
 */
import { exportWorkstationKey, loadWorkstationCredentials, loadWorkstationKey } from "#shared/anpr/pki.js";
import { signIdPostazione } from "#shared/anpr/cms.js";
import { createWsSecuritySigner } from "#shared/anpr/wssecurity.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import { createAnprClient, type AnprClient } from "../anpr-client/anpr-client.js";
import type { OperationCounter } from "../anpr-client/operation-counter.js";
import type { ConfigStore } from "../domain/ports.js";
import type { AnprEnvironment, Settings } from "../domain/model.js";

/**
 * ANPR's endpoints per environment, from GovWay's ANPR setup notes (link-it/govway, GovWay_ANPR.zip
 * `informationMissing.xml`); the service paths are those of `anprPaths`. FREE
 * (wsfree.anpr.interno.it) was switched off on 21 June 2022 (italia/anpr#3403): ANPR pointed its
 * users to the Comune's "test comuni" environment, TEST here.
 */
export const anprEndpoints: Readonly<Record<AnprEnvironment, string>> = Object.freeze({
  PROD: "https://ws.anpr.interno.it",
  PRE: "https://wspre.anpr.interno.it",
  TEST: "https://wstest.anpr.interno.it",
});

/** The box is not configured enough to call ANPR; `missing` lists what to set. */
export class AnprNotConfiguredError extends DomainError {
  readonly missing: readonly string[];
  constructor(missing: readonly string[]) {
    super("precondition-failed", `the Novabox is not configured for ANPR yet: missing ${missing.join(", ")}`, {
      reason: "NOT_CONFIGURED",
      metadata: { missing: missing.join(",") },
    });
    this.missing = missing;
  }
}

/** What is still missing before the box can call ANPR (empty when ready). */
export function missingForAnpr(config: ConfigStore): string[] {
  const s = config.getSettings();
  const missing: string[] = [];
  const required: [keyof Settings, string][] = [
    ["operatorId", "operator_id"],
    ["officeId", "office_id"],
    ["workstationId", "workstation_id"],
    ["comuneCode", "comune_code"],
    ["registryOfficerSurname", "registry_officer_surname"],
    ["registryOfficerName", "registry_officer_name"],
  ];
  for (const [key, name] of required) if (!s[key]) missing.push(name);
  if (!config.caCertificateSummary()) missing.push("ca_certificate");
  if (!config.workstationCertificateSummary()) missing.push("workstation_certificate");
  return missing;
}

/** Options for {@link createAnprGatewayFactory}. */
export interface AnprGatewayFactoryOptions {
  config: ConfigStore;
  counter: OperationCounter;
  timeoutMs?: number;
  /** The largest ANPR answer read, in bytes (default 20 MB). */
  maxAnswerBytes?: number;
}

/** New ANPR credentials, not yet stored, to prove with a connectivity test. */
export interface CandidateCredentials {
  workstationPkcs12?: Uint8Array;
  workstationPin?: string;
  caCertificatePem?: string;
}

/** Hands out the ANPR client for the current configuration. */
export interface AnprGatewayFactory {
  /**
   * Runs ANPR's connectivity test with the current configuration and `candidate` in place of the
   * stored credentials, without storing anything. `{ tested: false }` when the rest of the
   * configuration is incomplete (first setup: there is nothing working to protect yet); rejects
   * with the test's error when ANPR refuses or cannot be reached.
   */
  testCandidate(candidate: CandidateCredentials): Promise<{ tested: boolean }>;
  /** The client; throws {@link AnprNotConfiguredError} when settings or certificates are missing. */
  current(): Promise<AnprClient>;
  /** The base URL the client calls. */
  endpoint(): string;
  close(): void;
}

/** Creates the factory. */
export function createAnprGatewayFactory(options: AnprGatewayFactoryOptions): AnprGatewayFactory {
  let cached: { stamp: string; client: Promise<AnprClient> } | undefined;
  const endpoint = () => {
    const s = options.config.getSettings();
    return s.anprBaseUrl || anprEndpoints[s.environment];
  };
  /** The last stamp and the objects it was made of: the store hands out the same objects until a change. */
  let lastStamp: { of: readonly unknown[]; stamp: string } | undefined;
  const stampOf = () => {
    const settings = options.config.getSettings();
    const ca = options.config.caCertificateSummary();
    const workstation = options.config.workstationCertificateSummary();
    const of = [settings, ca, workstation];
    if (lastStamp && of.every((o, i) => o === lastStamp!.of[i])) return lastStamp.stamp;
    const stamp = JSON.stringify([
      settings,
      ca?.sha256Fingerprint,
      ca?.uploadedAt,
      workstation?.sha256Fingerprint,
      workstation?.uploadedAt,
    ]);
    lastStamp = { of, stamp };
    return stamp;
  };

  const build = async (candidate: CandidateCredentials = {}): Promise<AnprClient> => {
    const settings = options.config.getSettings();
    const stored = options.config.getSecrets();
    const secrets = {
      workstationPkcs12: candidate.workstationPkcs12 ?? stored.workstationPkcs12,
      workstationPin: candidate.workstationPkcs12 ? (candidate.workstationPin ?? "") : stored.workstationPin,
      caCertificatePem: candidate.caCertificatePem ?? stored.caCertificatePem,
    };
    const credentials =
      !candidate.workstationPkcs12 && stored.workstationKey
        ? loadWorkstationKey(stored.workstationKey)
        : loadWorkstationCredentials(secrets.workstationPkcs12!, secrets.workstationPin ?? "");
    if (!candidate.workstationPkcs12 && !stored.workstationKey)
      options.config.saveWorkstationKey(secrets.workstationPkcs12!, exportWorkstationKey(credentials));
    const signer = createWsSecuritySigner({
      credentials,
      operatorId: settings.operatorId,
      sedeId: settings.officeId,
      postazioneId: settings.workstationId,
      applicationId: "NOVABOX",
      idPostazioneFirmato: signIdPostazione(credentials, settings.workstationId),
      algorithm: settings.signatureAlgorithm,
    });
    return createAnprClient({
      baseUrl: endpoint(),
      environment: settings.environment,
      interfaceVersion: settings.anprInterfaceVersion,
      comuneCode: settings.comuneCode,
      caCertificatePem: secrets.caCertificatePem!,
      signer,
      counter: options.counter,
      workstationId: settings.workstationId,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxAnswerBytes ? { maxAnswerBytes: options.maxAnswerBytes } : {}),
    });
  };

  return {
    async testCandidate(candidate) {
      const replaced = new Set([
        ...(candidate.workstationPkcs12 ? ["workstation_certificate"] : []),
        ...(candidate.caCertificatePem ? ["ca_certificate"] : []),
      ]);
      if (missingForAnpr(options.config).some((m) => !replaced.has(m))) return { tested: false };
      const client = await build(candidate);
      try {
        await client.testConnection();
        return { tested: true };
      } finally {
        client.close();
      }
    },
    current() {
      const missing = missingForAnpr(options.config);
      if (missing.length > 0) return Promise.reject(new AnprNotConfiguredError(missing));
      const stamp = stampOf();
      if (!cached || cached.stamp !== stamp) {
        const previous = cached;
        cached = { stamp, client: build() };
        cached.client.catch(() => (cached = undefined));
        void previous?.client.then(
          (c) => c.close(),
          () => undefined,
        );
      }
      return cached.client;
    },
    endpoint,
    close() {
      void cached?.client.then(
        (c) => c.close(),
        () => undefined,
      );
      cached = undefined;
    },
  };
}
