/**
 * A server-side check of WHO calls over mutual TLS: the TLS handshake already proved the caller
 * holds a certificate of the mesh CA; this guard reads the identity that certificate names
 * (mesh-identity.ts) and lets only the given roles through. A Novabox uses it so that only the
 * Novares router (and gateway) can ask it for certificates and records — not another Comune's box.
 */
import type { CallContext } from "../rpc/grpc-adapter.js";
import { DomainError } from "../runtime/domain-error.js";
import { describeMeshIdentity, meshIdentityOfSubjectAltName, type MeshIdentity } from "./mesh-identity.js";
import type { Log } from "../runtime/log.js";

/** Options of {@link createMeshPeerGuard}. */
export interface MeshPeerGuardOptions {
  /** The roles allowed to call. */
  roles: readonly MeshIdentity["role"][];
  /** Where refusals are logged. */
  logger?: Pick<Log, "warn">;
}

/** Throws "forbidden" MESH_PEER_NOT_ALLOWED unless the caller's certificate names an allowed role. */
export type MeshPeerGuard = (context: CallContext) => MeshIdentity;

/** Creates the {@link MeshPeerGuard}. */
export function createMeshPeerGuard(options: MeshPeerGuardOptions): MeshPeerGuard {
  const allowed = options.roles.map((r) => (r === "box" ? "a Novabox" : `the Novares ${r}`)).join(" or ");
  return (context) => {
    const identity = meshIdentityOfSubjectAltName(context.peerCertificate?.subjectaltname);
    if (identity && options.roles.includes(identity.role)) return identity;
    options.logger?.warn(
      { rpc: context.method.name, peer: context.peer, caller: describeMeshIdentity(identity) },
      "call refused: the caller's mesh certificate does not name an allowed role",
    );
    throw new DomainError(
      "forbidden",
      `${context.method.name} is served to ${allowed} only; the caller's mesh certificate names ${describeMeshIdentity(identity)}`,
      {
        reason: "MESH_PEER_NOT_ALLOWED",
      },
    );
  };
}
