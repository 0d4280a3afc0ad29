/**
 * The router's transport security, read from the mesh PKI folder (MESH_TLS_DIR): `ca.pem` (the mesh
 * CA), `router.pem` and `router-key.pem` (the router's own certificate). The gRPC server requires a
 * client certificate of the mesh CA (mutual TLS: boxes, the gateway); the channels to boxes present
 * the router's certificate and trust only the mesh CA. Plaintext only on explicit request.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { credentials, ServerCredentials, type ChannelCredentials } from "@grpc/grpc-js";
import { ConfigError } from "#shared/config.js";
import { createClientTlsCredentials } from "#shared/tls-credentials.js";

/** The file names the router reads in the mesh PKI folder. */
export const meshTlsFiles = { ca: "ca.pem", certificate: "router.pem", privateKey: "router-key.pem" } as const;

/** Credentials for the router's server and for its channels to boxes. */
export interface RouterCredentials {
  serverCredentials: ServerCredentials;
  boxCredentials: ChannelCredentials;
  /** True when both sides are mutual TLS. */
  tls: boolean;
}

/** Options of {@link loadRouterCredentials}. */
export interface LoadRouterCredentialsOptions {
  /** MESH_TLS_DIR. */
  tlsDir: string | undefined;
  /** MESH_PLAINTEXT: the explicit opt-out of TLS (development only). */
  plaintext: boolean;
}

/**
 * Builds the {@link RouterCredentials}. Throws {@link ConfigError} when neither a TLS folder nor the
 * plaintext flag is given, or when a file cannot be read.
 */
export function loadRouterCredentials(options: LoadRouterCredentialsOptions): RouterCredentials {
  if (options.plaintext) {
    return { serverCredentials: ServerCredentials.createInsecure(), boxCredentials: credentials.createInsecure(), tls: false };
  }
  if (!options.tlsDir) {
    throw new ConfigError([
      { variable: "MESH_TLS_DIR", problem: `required: the mesh PKI folder with ${Object.values(meshTlsFiles).join(", ")} (or set MESH_PLAINTEXT=true to run without TLS, development only)` },
    ]);
  }
  const read = (name: string): Buffer => {
    const file = join(options.tlsDir!, name);
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError([{ variable: "MESH_TLS_DIR", problem: `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}` }]);
    }
  };
  const ca = read(meshTlsFiles.ca);
  const certificate = read(meshTlsFiles.certificate);
  const privateKey = read(meshTlsFiles.privateKey);
  return {
    serverCredentials: ServerCredentials.createSsl(ca, [{ cert_chain: certificate, private_key: privateKey }], true),
    boxCredentials: createClientTlsCredentials(ca, privateKey, certificate),
    tls: true,
  };
}
