/**
 * Mutual TLS credentials of one mesh party that follow its certificate files: a renewed
 * certificate (written next to the old one, as `npm run pki:mesh` and the CSR signing command do)
 * is picked up by the running server and by new connections of its clients without a restart.
 *
 * The server side is grpc-js 1.14's certificate-provider credentials
 * (`experimental.createCertificateProviderServerCredentials`, which swaps the listener's secure
 * context on an update), fed by our own provider instead of grpc-js's FileWatcherCertificateProvider:
 * that one hands over whatever it reads, so a check that lands between the key and the certificate
 * being replaced would give the server a mismatched pair and make it drop every connection until the
 * next check. This provider only publishes a pair whose key matches its certificate, whose
 * certificate chains to the CA read in the same pass and is not expired, and keeps the last good
 * pair otherwise. The client side builds each new connection from the pair loaded at that moment
 * (open connections keep theirs), and sends SNI only for DNS names (tls-credentials.ts).
 *
 * The client side can also check WHO answers: {@link MeshTls.clientExpecting} verifies the server's
 * certificate names the expected mesh identity (see mesh-identity.ts) on top of the CA chain and the
 * host name, and refuses the connection otherwise.
 */
import { X509Certificate, createHash, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { checkServerIdentity as tlsCheckServerIdentity, type PeerCertificate } from "node:tls";
import {
  ChannelCredentials,
  experimental,
  type ChannelOptions,
  type ServerCredentials,
  type VerifyOptions,
} from "@grpc/grpc-js";
import { DomainError } from "../runtime/domain-error.js";
import type { Log } from "../runtime/log.js";
import { describeMeshIdentity, meshIdentityOfSubjectAltName, type MeshIdentity } from "./mesh-identity.js";
import { withoutIpServername } from "./tls-credentials.js";

/** The files of a party's TLS identity. */
export interface MeshTlsFiles {
  /** The mesh CA certificate (PEM) every party trusts. */
  caCertificate: string;
  /** The party's certificate (PEM). */
  certificate: string;
  /** The party's private key (PEM). */
  privateKey: string;
}

/** What the reloading provider currently serves. */
export interface MeshCertificateState {
  /** SHA-256 fingerprint of the certificate in use (hex, colon-separated, as openssl prints it). */
  fingerprint: string;
  notAfter: Date;
  identity: MeshIdentity | undefined;
  /** When the files were last read successfully. */
  loadedAt: Date;
  /** The last reload problem, cleared by the next good read. */
  lastError: string | undefined;
}

/** A reload of the mesh certificate files: the new state, or why the files were not usable. */
export type MeshReloadEvent = { ok: true; state: MeshCertificateState } | { ok: false; error: string };

/** Options of {@link createMeshTls}. */
export interface MeshTlsOptions {
  /** How often the files are re-read while a server or channel uses them (default 60 000 ms). */
  refreshIntervalMs?: number;
  /** Told when new files were loaded and when a re-read failed (the old pair stays in use). */
  onReload?: (event: MeshReloadEvent) => void;
}

/**
 * The `onReload` every service gives: a renewed certificate logged at info (fingerprint, expiry),
 * unusable files at warn (the certificate in use is kept).
 */
export function logMeshReload(logger: Log): (event: MeshReloadEvent) => void {
  return (event) =>
    event.ok
      ? logger.info(
          { fingerprint: event.state.fingerprint, notAfter: event.state.notAfter.toISOString() },
          "mesh certificate reloaded",
        )
      : logger.warn({ problem: event.error }, "mesh certificate files not usable: keeping the certificate in use");
}

/**
 * Refuses a peer by returning the reason, accepts it by returning undefined. Gets the identity its
 * certificate names (undefined when it names none).
 */
export type MeshPeerCheck = (identity: MeshIdentity | undefined, certificate: PeerCertificate) => string | undefined;

/** The credentials of one mesh party. */
export interface MeshTls {
  /** Server side: presents the party's certificate and requires a client certificate of the mesh CA. */
  readonly server: ServerCredentials;
  /** Client side: trusts only the mesh CA, checks the host name, presents the party's certificate. */
  readonly client: ChannelCredentials;
  /** Like {@link client}, and refuses the connection when `check` refuses the server's identity. */
  clientExpecting(check: MeshPeerCheck): ChannelCredentials;
  /** What is loaded now. */
  state(): MeshCertificateState;
  /**
   * The PEM files loaded now, for a listener or client built on `node:tls` / `node:http2` rather
   * than grpc-js (the router's HTTP/2 forwarder); {@link onChange} tells when they change.
   */
  material(): { ca: Buffer; certificate: Buffer; privateKey: Buffer };
  /** Calls `listener` after each reload that loaded a new pair; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** Re-reads the files now (also runs on the timer); returns whether a new pair was loaded. */
  reload(): boolean;
  /** Stops the periodic re-reading (the timer is unref'd, so a process can exit without this). */
  close(): void;
}

type Connector = ReturnType<ChannelCredentials["_createSecureConnector"]>;
type Target = Parameters<ChannelCredentials["_createSecureConnector"]>[0];
type CallCredentials = Parameters<ChannelCredentials["_createSecureConnector"]>[2];

/** Client credentials whose every new connection uses the TLS pair loaded at that moment. */
class ReloadingChannelCredentials extends ChannelCredentials {
  constructor(private readonly current: () => ChannelCredentials) {
    super();
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(channelTarget: Target, options: ChannelOptions, callCredentials?: CallCredentials): Connector {
    return this.current()._createSecureConnector(channelTarget, options, callCredentials);
  }
}

interface Loaded {
  ca: Buffer;
  certificate: Buffer;
  privateKey: Buffer;
  state: MeshCertificateState;
}

function loadFiles(files: MeshTlsFiles, now: Date): Loaded {
  const ca = readFileSync(files.caCertificate);
  const certificate = readFileSync(files.certificate);
  const privateKey = readFileSync(files.privateKey);
  const caCert = new X509Certificate(ca);
  const cert = new X509Certificate(certificate);
  if (!cert.checkPrivateKey(createPrivateKey(privateKey)))
    throw new Error(`${files.privateKey} is not the key of ${files.certificate}`);
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey))
    throw new Error(`${files.certificate} is not signed by the mesh CA in ${files.caCertificate}`);
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= now.getTime()) throw new Error(`${files.certificate} expired on ${notAfter.toISOString()}`);
  return {
    ca,
    certificate,
    privateKey,
    state: {
      fingerprint: cert.fingerprint256,
      notAfter,
      identity: meshIdentityOfSubjectAltName(cert.subjectAltName),
      loadedAt: now,
      lastError: undefined,
    },
  };
}

/** A fingerprint of the three files, to notice a change without comparing buffers each time. */
function stampOf(loaded: Pick<Loaded, "ca" | "certificate" | "privateKey">): string {
  return createHash("sha256")
    .update(loaded.ca)
    .update("\0")
    .update(loaded.certificate)
    .update("\0")
    .update(loaded.privateKey)
    .digest("hex");
}

/**
 * Creates the credentials of the party whose files are `files`. Reads them once now and throws
 * "precondition-failed" MESH_PKI_UNUSABLE when they are missing or inconsistent (so a process fails
 * at start, not at its first call).
 */
export function createMeshTls(files: MeshTlsFiles, options: MeshTlsOptions = {}): MeshTls {
  const refreshIntervalMs = options.refreshIntervalMs ?? 60_000;
  let current: Loaded;
  try {
    current = loadFiles(files, new Date());
  } catch (err) {
    throw new DomainError(
      "precondition-failed",
      `the mesh certificate cannot be used: ${err instanceof Error ? err.message : String(err)}; create or renew it with npm run pki:mesh`,
      {
        reason: "MESH_PKI_UNUSABLE",
        cause: err,
      },
    );
  }
  let stamp = stampOf(current);
  const changeListeners = new Set<() => void>();
  const caListeners = new Set<experimental.CaCertificateUpdateListener>();
  const identityListeners = new Set<experimental.IdentityCertificateUpdateListener>();

  const publish = () => {
    for (const listener of caListeners) listener({ caCertificate: current.ca });
    for (const listener of identityListeners)
      listener({ certificate: current.certificate, privateKey: current.privateKey });
    for (const listener of changeListeners) listener();
  };

  const reload = (): boolean => {
    let next: Loaded;
    try {
      next = loadFiles(files, new Date());
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      current.state = { ...current.state, lastError: error };
      options.onReload?.({ ok: false, error });
      return false;
    }
    const nextStamp = stampOf(next);
    if (nextStamp === stamp) {
      current.state = { ...current.state, lastError: undefined };
      return false;
    }
    current = next;
    stamp = nextStamp;
    publish();
    options.onReload?.({ ok: true, state: current.state });
    return true;
  };

  const timer = setInterval(reload, refreshIntervalMs);
  timer.unref();

  // Listeners are called on a later tick: grpc-js registers a server's context watcher only after
  // subscribing to the provider, so a synchronous first update would never reach the server.
  const provider: experimental.CertificateProvider = {
    addCaCertificateListener(listener) {
      caListeners.add(listener);
      queueMicrotask(() => caListeners.has(listener) && listener({ caCertificate: current.ca }));
    },
    removeCaCertificateListener(listener) {
      caListeners.delete(listener);
    },
    addIdentityCertificateListener(listener) {
      identityListeners.add(listener);
      queueMicrotask(
        () =>
          identityListeners.has(listener) &&
          listener({ certificate: current.certificate, privateKey: current.privateKey }),
      );
    },
    removeIdentityCertificateListener(listener) {
      identityListeners.delete(listener);
    },
  };

  const clientExpecting = (check?: MeshPeerCheck): ChannelCredentials => {
    const verify: VerifyOptions = {
      checkServerIdentity: (host, certificate) => {
        const hostError = tlsCheckServerIdentity(host, certificate);
        if (hostError) return hostError;
        if (!check) return undefined;
        const refusal = check(meshIdentityOfSubjectAltName(certificate.subjectaltname), certificate);
        return refusal ? new Error(refusal) : undefined;
      },
    };
    let built: { stamp: string; credentials: ChannelCredentials } | undefined;
    return withoutIpServername(
      new ReloadingChannelCredentials(() => {
        if (built?.stamp !== stamp)
          built = {
            stamp,
            credentials: ChannelCredentials.createSsl(current.ca, current.privateKey, current.certificate, verify),
          };
        return built.credentials;
      }),
    );
  };

  return {
    server: experimental.createCertificateProviderServerCredentials(provider, provider, true),
    client: clientExpecting(),
    clientExpecting: (check) => clientExpecting(check),
    state: () => current.state,
    material: () => ({ ca: current.ca, certificate: current.certificate, privateKey: current.privateKey }),
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    reload,
    close: () => clearInterval(timer),
  };
}

/** A {@link MeshPeerCheck} that accepts only the given roles (and, for boxes, the given Comune). */
export function expectMeshPeer(expected: {
  roles: readonly MeshIdentity["role"][];
  comuneCode?: string;
}): MeshPeerCheck {
  return (identity) => {
    if (!identity || !expected.roles.includes(identity.role)) {
      return `the server presents ${describeMeshIdentity(identity)}, expected ${expected.roles.map((r) => (r === "box" ? "a Novabox" : `the Novares ${r}`)).join(" or ")}`;
    }
    if (expected.comuneCode && identity.role === "box" && identity.comuneCode !== expected.comuneCode) {
      return `the server presents ${describeMeshIdentity(identity)}, not a Novabox of Comune ${expected.comuneCode}`;
    }
    return undefined;
  };
}
