/**
 * The router's transport security, read from the mesh PKI folder (MESH_TLS_DIR): `ca.pem` (the mesh
 * CA), `router.pem` and `router-key.pem` (the router's own certificate, naming spiffe://novares/router).
 * The gRPC server requires a client certificate of the mesh CA (mutual TLS: boxes, the gateway); the
 * channels to boxes present the router's certificate, trust only the mesh CA and check the box's
 * identity. The files are re-read periodically, so a renewed certificate needs no restart.
 * Plaintext only on explicit request.
 */
import { join } from "node:path";
import { credentials, ServerCredentials, type ChannelCredentials } from "@grpc/grpc-js";
import { ConfigError } from "#shared/runtime/config.js";
import { isDomainError } from "#shared/runtime/domain-error.js";
import { createMeshTls, type MeshTls, type MeshTlsOptions } from "#shared/mesh/mesh-tls.js";

/** The file names the router reads in the mesh PKI folder. */
export const meshTlsFiles = { ca: "ca.pem", certificate: "router.pem", privateKey: "router-key.pem" } as const;

/** Credentials for the router's server and for its channels to boxes. */
export interface RouterCredentials {
  serverCredentials: ServerCredentials;
  boxCredentials: ChannelCredentials;
  /** True when both sides are mutual TLS. */
  tls: boolean;
  /** The reloading mesh credentials (TLS only): identity checks towards boxes, the certificate in use. */
  mesh?: MeshTls;
}

/** Options of {@link loadRouterCredentials}. */
export interface LoadRouterCredentialsOptions {
  /** MESH_TLS_DIR. */
  tlsDir: string | undefined;
  /** MESH_PLAINTEXT: the explicit opt-out of TLS (development only). */
  plaintext: boolean;
  /** How the certificate files are followed (renewal without restart). */
  reload?: MeshTlsOptions;
}

/**
 * Builds the {@link RouterCredentials}. Throws {@link ConfigError} when neither a TLS folder nor the
 * plaintext flag is given, or when a file cannot be read.
 */
export function loadRouterCredentials(options: LoadRouterCredentialsOptions): RouterCredentials {
  if (options.plaintext) {
    return {
      serverCredentials: ServerCredentials.createInsecure(),
      boxCredentials: credentials.createInsecure(),
      tls: false,
    };
  }
  if (!options.tlsDir) {
    throw new ConfigError([
      {
        variable: "MESH_TLS_DIR",
        problem: `required: the mesh PKI folder with ${Object.values(meshTlsFiles).join(", ")} (or set MESH_PLAINTEXT=true to run without TLS, development only)`,
      },
    ]);
  }
  let mesh: MeshTls;
  try {
    mesh = createMeshTls(
      {
        caCertificate: join(options.tlsDir, meshTlsFiles.ca),
        certificate: join(options.tlsDir, meshTlsFiles.certificate),
        privateKey: join(options.tlsDir, meshTlsFiles.privateKey),
      },
      options.reload,
    );
  } catch (err) {
    throw new ConfigError([
      {
        variable: "MESH_TLS_DIR",
        problem: `cannot read a usable router certificate in ${options.tlsDir}: ${isDomainError(err) ? err.message : String(err)}`,
      },
    ]);
  }
  return {
    serverCredentials: mesh.server,
    boxCredentials: mesh.client,
    mesh,
    tls: true,
  };
}
