/**
 * Who may speak for a Comune in the directory: a box's mesh certificate names one Comune and one
 * workstation (spiffe://novares/comune/<code>/postazione/<id>, see #shared/mesh-identity.js), and
 * it may announce or withdraw that instance only. Without this rule any box of the mesh could
 * announce itself for another Comune and receive that Comune's tobacconists' tokens and citizens'
 * fiscal codes. Pure rules, no I/O.
 */
import { describeMeshIdentity, type MeshIdentity } from "#shared/mesh/mesh-identity.js";
import { instanceIdFor } from "./discovery-rules.js";
import { MeshIdentityRefusedError } from "./errors.js";

/**
 * Throws {@link MeshIdentityRefusedError} ANNOUNCER_NOT_AUTHORIZED unless `identity` is the box of
 * `comuneCode` and `workstationCode`.
 */
export function assertMayAnnounce(
  identity: MeshIdentity | undefined,
  comuneCode: string,
  workstationCode: string,
): void {
  if (identity?.role === "box" && identity.comuneCode === comuneCode && identity.workstationId === workstationCode)
    return;
  throw new MeshIdentityRefusedError(
    `this mesh certificate names ${describeMeshIdentity(identity)}: it cannot announce Comune ${comuneCode}, workstation ${workstationCode}; a box announces only the Comune and workstation its certificate names`,
    "ANNOUNCER_NOT_AUTHORIZED",
    { comuneCode, workstationCode },
  );
}

/**
 * Throws {@link MeshIdentityRefusedError} ANNOUNCER_NOT_AUTHORIZED unless `identity` is the box whose
 * announcement got `instanceId` (ids are derived from Comune and workstation, so no lookup is needed).
 */
export function assertMayWithdraw(identity: MeshIdentity | undefined, instanceId: string): void {
  if (identity?.role === "box" && instanceIdFor(identity.comuneCode, identity.workstationId) === instanceId) return;
  throw new MeshIdentityRefusedError(
    `this mesh certificate names ${describeMeshIdentity(identity)}: it cannot withdraw instance ${instanceId}; a box withdraws only its own announcement`,
    "ANNOUNCER_NOT_AUTHORIZED",
    { instanceId },
  );
}

/**
 * The refusal (a sentence) when the certificate of the box dialed for `comuneCode` names someone
 * else, undefined when it names a box of that Comune.
 */
export function boxIdentityRefusal(identity: MeshIdentity | undefined, comuneCode: string): string | undefined {
  if (identity?.role === "box" && identity.comuneCode === comuneCode) return undefined;
  return `the Novabox dialed for Comune ${comuneCode} presents ${describeMeshIdentity(identity)}`;
}
