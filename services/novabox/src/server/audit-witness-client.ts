/**
 * The box's side of the audit witness: its signing notary (the mesh key) and the client that reads
 * the checkpoints Novares witnessed, checking each signature against the mesh CA before the domain
 * compares them with the log. A checkpoint whose signature does not verify is not trusted as
 * evidence either way: it is left out and counted.
 */
import { Client, status, type ChannelCredentials } from "@grpc/grpc-js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { AuditWitnessService } from "#gen/novares/witness/v1/witness_service_pb.js";
import {
  signAuditExport,
  signCheckpoint,
  verifyCheckpoint,
  type MeshSigningIdentity,
} from "#shared/mesh/audit-checkpoint.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";
import { RpcError } from "#shared/rpc/grpc-status.js";
import type { Notary, WitnessSource } from "../domain/audit-evidence.js";
import type { WitnessedHead } from "../domain/witness-comparison.js";

/** The notary over the box's mesh identity (the one in use now: a renewed certificate signs at once). */
export function createMeshNotary(identity: () => MeshSigningIdentity): Notary {
  return {
    signCheckpoint: (head) => signCheckpoint(head, identity()),
    signExport: (csv, rows, checkpoint) => signAuditExport(csv, rows, checkpoint, identity()),
  };
}

/** Options of {@link fetchWitnessedHeads}. */
export interface WitnessClientOptions {
  /** The router's address (host:port). */
  address: string;
  credentials: ChannelCredentials;
  /** The mesh CA (PEM) the checkpoints' signers must chain to. */
  caPem: string;
  /** Deadline of the call (default 5 s). */
  timeoutMs?: number;
}

/**
 * Reads the witnessed checkpoints of one box and checks their signatures; resolves with [] when the
 * witness has none (NOT_FOUND), rejects when it cannot be reached.
 */
export async function fetchWitnessedHeads(
  options: WitnessClientOptions,
  comuneCode: string,
  workstationCode: string,
): Promise<{ heads: WitnessedHead[]; rejected: number }> {
  const channel = new Client(options.address, options.credentials);
  try {
    const client = createGrpcClient(AuditWitnessService, channel);
    let answer;
    try {
      answer = await client.listAuditCheckpoints(
        { comuneCode, workstationCode },
        { deadline: options.timeoutMs ?? 5_000 },
      );
    } catch (err) {
      if (err instanceof RpcError && err.code === status.NOT_FOUND) return { heads: [], rejected: 0 };
      throw err;
    }
    const heads: WitnessedHead[] = [];
    let rejected = 0;
    for (const c of answer.checkpoints) {
      if (!c.signed) continue;
      try {
        const head = verifyCheckpoint(c.signed, { caPem: options.caPem });
        if (head.comuneCode !== comuneCode || head.workstationCode !== workstationCode)
          throw new Error("checkpoint of another box");
        heads.push({
          sequence: Number(c.sequence),
          witnessedAt: c.witnessedAt ? timestampDate(c.witnessedAt) : new Date(0),
          lastId: head.lastId,
          headHash: head.headHash,
          time: head.time,
        });
      } catch {
        rejected += 1;
      }
    }
    return { heads, rejected };
  } finally {
    channel.close();
  }
}

/** A {@link WitnessSource} for the domain. */
export function createWitnessSource(options: WitnessClientOptions): WitnessSource {
  return {
    async list(comuneCode, workstationCode) {
      return (await fetchWitnessedHeads(options, comuneCode, workstationCode)).heads;
    },
  };
}
