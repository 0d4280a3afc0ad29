/**
 * novares.witness.v1.AuditWitnessService over the audit witness, and the wire forms of its summary
 * shared with the DiscoveryService's instances.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  WitnessState,
  type AuditWitnessService,
  type AuditWitnessSummarySchema,
} from "#gen/novares/witness/v1/witness_service_pb.js";
import type { ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import type { SignedCheckpoint } from "#shared/mesh/audit-checkpoint.js";
import type { AuditWitness } from "../domain/audit-witness.js";
import type { WitnessSummary } from "../domain/checkpoint-store.js";
import { requireComuneCode } from "../domain/discovery-rules.js";
import { InvalidDiscoveryInputError, NoCheckpointsError } from "../domain/errors.js";

/** A summary on the wire. */
export function witnessSummaryToWire(summary: WitnessSummary): MessageInitShape<typeof AuditWitnessSummarySchema> {
  return {
    state: WitnessState[summary.state],
    ...(summary.lastWitnessedAt !== undefined
      ? { lastWitnessedAt: timestampFromDate(new Date(summary.lastWitnessedAt)) }
      : {}),
    lastId: BigInt(summary.lastId),
    highestId: BigInt(summary.highestId),
    reason: summary.reason,
  };
}

/** A wire SignedAuditCheckpoint → the shared value. */
export function signedCheckpointFromWire(wire: {
  checkpoint: Uint8Array;
  signature: Uint8Array;
  certificatePem: string;
}): SignedCheckpoint {
  return { checkpoint: wire.checkpoint, signature: wire.signature, certificatePem: wire.certificatePem };
}

/** Creates the AuditWitnessService handlers. */
export function createWitnessHandlers(witness: AuditWitness): ServiceImpl<typeof AuditWitnessService> {
  return {
    async listAuditCheckpoints(request) {
      const comuneCode = requireComuneCode(request.comuneCode);
      const workstationCode = request.workstationCode.trim();
      if (!workstationCode)
        throw new InvalidDiscoveryInputError(
          "workstation_code",
          "workstation_code is required: the box's ANPR workstation code (codice postazione)",
          "MISSING_WORKSTATION_CODE",
        );
      const found = await witness.list(comuneCode, workstationCode);
      if (found === undefined) throw new NoCheckpointsError(comuneCode, workstationCode);
      return {
        checkpoints: found.checkpoints.map((c) => ({
          sequence: BigInt(c.sequence),
          witnessedAt: timestampFromDate(c.witnessedAt),
          signed: c.signed,
        })),
        summary: witnessSummaryToWire(found.summary),
      };
    },
  };
}
