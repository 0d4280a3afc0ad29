/**
 * The router's forwarding handlers called in memory: a grpc-js unary call object in, the boxes
 * behind the {@link BoxChannels} port scripted per call (answer, a status the box produced with its
 * google.rpc details, or a transport failure), so the retry rule is checked case by case without
 * processes or sockets: a call goes to a second box only when the first was not reached, an
 * IssueCertificate only with an idempotency key, never after the box itself answered (ANPR_* errors,
 * ANPR_OUTCOME_UNKNOWN), and a key the first box may hold stays pinned to it.
 */
import { describe, expect, it } from "@jest/globals";
import { EventEmitter } from "node:events";
import { Metadata, status as GrpcCode, type ServiceError } from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  IssueCertificateRequestSchema,
  IssueCertificateResponseSchema,
  PreviewCertificateRequestSchema,
} from "#gen/novabox/certification/v1/certification_service_pb.js";
import { GetIndividualRecordRequestSchema } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import { decodeStatusDetails, toServiceError } from "#shared/rpc/grpc-status.js";
import { instanceIdFor } from "../src/domain/discovery-rules.js";
import type { Instance } from "../src/domain/model.js";
import { keyOwner, keyRoutingId } from "../src/domain/key-owner.js";
import { createRoutingTable } from "../src/domain/routing-table.js";
import { createForwardingHandlers, type BoxChannels } from "../src/handlers/forwarding-handlers.js";

const comuneCode = "022205";

function instance(workstation: string, port: number): Instance {
  return {
    instanceId: instanceIdFor(comuneCode, workstation),
    comuneCode,
    comuneName: "Trento",
    workstationCode: workstation,
    host: "127.0.0.1",
    port,
    version: "1.0.0",
    health: "serving",
    lastAnnouncedAt: undefined,
    registeredAt: undefined,
    expiresAt: undefined,
  };
}

/** What a scripted box does with one call. */
type Outcome = { answer: Buffer } | { error: ServiceError };

/** A transport failure in which the connection to the box was never established. */
const notReached = (): Outcome => ({
  error: Object.assign(
    new Error("14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1"),
    {
      code: GrpcCode.UNAVAILABLE,
      details: "No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1",
      metadata: new Metadata(),
    },
  ),
});

/** A transport failure after the request may have reached the box (the connection dropped). */
const droppedMidCall = (): Outcome => ({
  error: Object.assign(new Error("14 UNAVAILABLE: Connection dropped"), {
    code: GrpcCode.UNAVAILABLE,
    details: "Connection dropped",
    metadata: new Metadata(),
  }),
});

/** A status the box itself produced (with google.rpc details, as every box status carries). */
const boxStatus = (kind: "unavailable" | "invalid-input", reason: string): Outcome => ({
  error: toServiceError(new DomainError(kind, `the box says ${reason}`, { reason })) as ServiceError,
});

const issued = (protocol: string): Outcome => ({
  answer: Buffer.from(
    toBinary(IssueCertificateResponseSchema, create(IssueCertificateResponseSchema, { anprProtocolNumber: protocol })),
  ),
});

/** Two serving boxes of the Comune, each answering from its own script; calls recorded per box. */
function setup() {
  const table = createRoutingTable({ clock: () => new Date() });
  const boxA = instance("POST-A", 1);
  const boxB = instance("POST-B", 2);
  table.upsert(boxA);
  table.upsert(boxB);
  const scripts = new Map<string, Outcome[]>([
    [boxA.instanceId, []],
    [boxB.instanceId, []],
  ]);
  const calls: { box: string; path: string; request: Buffer; metadata: Metadata }[] = [];
  const unavailable: string[] = [];
  const channels: BoxChannels = {
    channel(target) {
      return {
        makeUnaryRequest(
          path: string,
          _serialize: unknown,
          _deserialize: unknown,
          request: Buffer,
          metadata: Metadata,
          _options: unknown,
          callback: (err: ServiceError | null, value?: Buffer) => void,
        ) {
          calls.push({ box: target.instanceId, path, request, metadata });
          const outcome = scripts.get(target.instanceId)!.shift() ?? { answer: Buffer.alloc(0) };
          queueMicrotask(() => ("error" in outcome ? callback(outcome.error) : callback(null, outcome.answer)));
          return { cancel() {} };
        },
      };
    },
  };
  const handlers = createForwardingHandlers({
    table,
    channels,
    reportUnavailable: (id) => unavailable.push(id),
    retryAfterSeconds: 15,
  });
  /** The first box a call goes to — the key's owner for a keyed IssueCertificate, else the table's next pick — and the other one. */
  const order = (idempotencyKey?: string) => {
    const serving = table.resolve(comuneCode);
    const owner = idempotencyKey ? keyOwner(keyRoutingId(comuneCode, "TAB-0001", idempotencyKey), serving) : undefined;
    const [first, second] = owner ? [owner, ...serving.filter((i) => i !== owner)] : serving;
    return { first: first!, second: second! };
  };
  const script = (box: Instance, ...outcomes: Outcome[]) => scripts.get(box.instanceId)!.push(...outcomes);
  return { table, handlers, calls, unavailable, order, script };
}

/** Serves one unary call through a pass-through handler; resolves with its error or answer. */
function serve(
  handler: unknown,
  request: Buffer,
  headers: Record<string, string> = {},
): Promise<{ err: ServiceError | null; answer?: Buffer }> {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  const call = Object.assign(new EventEmitter(), {
    request,
    metadata,
    getDeadline: () => Infinity,
    getPeer: () => "ipv4:127.0.0.1:5000",
  });
  return new Promise((resolve) =>
    (handler as (call: unknown, cb: (err: ServiceError | null, answer?: Buffer) => void) => void)(call, (err, answer) =>
      resolve({ err, ...(answer ? { answer } : {}) }),
    ),
  );
}

const issueRequest = (idempotencyKey: string) =>
  Buffer.from(
    toBinary(
      IssueCertificateRequestSchema,
      create(IssueCertificateRequestSchema, {
        comuneCode,
        tobacconistId: "TAB-0001",
        idempotencyKey,
        subject: { fiscalCode: "RSSMRA85T10A562S" },
      }),
    ),
  );

describe("router forwarding in memory: retry only with an idempotency key, only when the box was not reached", () => {
  it("an IssueCertificate with a key goes to the other box when the first was not reached", async () => {
    const { handlers, calls, order, script, unavailable } = setup();
    const { first, second } = order("key-1");
    script(first, notReached());
    script(second, issued("P-2"));
    const { err, answer } = await serve(handlers.certification.IssueCertificate, issueRequest("key-1"), {
      authorization: "Bearer t",
      "x-request-id": "r-1",
      cookie: "no",
    });
    expect(err).toBeNull();
    expect(fromBinary(IssueCertificateResponseSchema, answer!).anprProtocolNumber).toBe("P-2");
    expect(calls.map((c) => c.box)).toEqual([first.instanceId, second.instanceId]);
    expect(calls[1]!.path).toBe("/novabox.certification.v1.CertificationService/IssueCertificate");
    expect(calls[1]!.metadata.get("authorization")).toEqual(["Bearer t"]);
    expect(calls[1]!.metadata.get("x-request-id")).toEqual(["r-1"]);
    expect(calls[1]!.metadata.get("cookie")).toEqual([]);
    expect(unavailable).toEqual([first.instanceId]);
  });

  it("an IssueCertificate without a key is never retried: UNAVAILABLE from the one box tried", async () => {
    const { handlers, calls, order, script } = setup();
    const { first } = order();
    script(first, notReached());
    const { err } = await serve(handlers.certification.IssueCertificate, issueRequest(""));
    expect(err?.code).toBe(GrpcCode.UNAVAILABLE);
    expect(calls.map((c) => c.box)).toEqual([first.instanceId]);
  });

  it.each([
    ["ANPR_UNAVAILABLE", "unavailable"],
    ["ANPR_OUTCOME_UNKNOWN", "unavailable"],
    ["INVALID_FISCAL_CODE", "invalid-input"],
  ] as const)(
    "a status the box produced (%s) is relayed as is, with its details, never retried elsewhere",
    async (reason, kind) => {
      const { handlers, calls, order, script } = setup();
      const { first } = order("key-2");
      script(first, boxStatus(kind, reason));
      const { err } = await serve(handlers.certification.IssueCertificate, issueRequest("key-2"));
      expect(decodeStatusDetails(err?.metadata).reason).toBe(reason);
      expect(err?.details).toBe(`the box says ${reason}`);
      expect(calls.map((c) => c.box)).toEqual([first.instanceId]);
    },
  );

  it("after ANPR_OUTCOME_UNKNOWN the key stays with its box: the retry goes there, not round-robin", async () => {
    const { handlers, calls, order, script } = setup();
    const { first } = order("key-3");
    script(first, boxStatus("unavailable", "ANPR_OUTCOME_UNKNOWN"), issued("P-1"));
    await serve(handlers.certification.IssueCertificate, issueRequest("key-3"));
    const retry = await serve(handlers.certification.IssueCertificate, issueRequest("key-3"));
    expect(retry.err).toBeNull();
    expect(calls.map((c) => c.box)).toEqual([first.instanceId, first.instanceId]);
  });

  it("when the box may have received the request (connection dropped), the key is pinned and the caller told NOVABOX_HOLDS_REQUEST", async () => {
    const { handlers, calls, order, script, table } = setup();
    const { first } = order("key-4");
    script(first, droppedMidCall());
    const { err } = await serve(handlers.certification.IssueCertificate, issueRequest("key-4"));
    expect(err?.code).toBe(GrpcCode.UNAVAILABLE);
    expect(decodeStatusDetails(err?.metadata)).toMatchObject({
      reason: "NOVABOX_HOLDS_REQUEST",
      metadata: { instanceId: first.instanceId, comuneCode, retryAfterSeconds: "15" },
    });
    expect(calls.map((c) => c.box)).toEqual([first.instanceId]);
    // The holder is down now: the retry is refused with the same hint rather than sent to the other box.
    table.upsert({ ...first, health: "not-serving" });
    const retry = await serve(handlers.certification.IssueCertificate, issueRequest("key-4"));
    expect(decodeStatusDetails(retry.err?.metadata).reason).toBe("NOVABOX_HOLDS_REQUEST");
    expect(calls).toHaveLength(1);
  });

  it("without a pin, a key goes to its owner box on every router (a replica or a restarted router holds no pin), and keys spread over the boxes", async () => {
    const routers = [setup(), setup()];
    const boxes = new Set<string>();
    for (let n = 0; n < 16; n++) {
      const key = `spread-${String(n)}`;
      for (const r of routers) {
        r.table.pick(comuneCode); // move each router's round-robin cursor differently
        if (n % 2 === 0) routers[0]!.table.pick(comuneCode);
        await serve(r.handlers.certification.IssueCertificate, issueRequest(key));
      }
      const [a, b] = routers.map((r) => r.calls.at(-1)!.box);
      expect(a).toBe(b);
      expect(a).toBe(routers[0]!.order(key).first.instanceId);
      boxes.add(a!);
    }
    expect(boxes.size).toBe(2);
  });

  it("reads (preview, record) are retried once on a transport UNAVAILABLE, with or without a key", async () => {
    const { handlers, calls, order, script } = setup();
    const { first, second } = order();
    script(first, notReached());
    script(second, notReached());
    const preview = Buffer.from(
      toBinary(PreviewCertificateRequestSchema, create(PreviewCertificateRequestSchema, { comuneCode })),
    );
    const { err } = await serve(handlers.certification.PreviewCertificate, preview);
    expect(err?.code).toBe(GrpcCode.UNAVAILABLE);
    expect(calls.map((c) => c.box)).toEqual([first.instanceId, second.instanceId]);

    const record = Buffer.from(
      toBinary(
        GetIndividualRecordRequestSchema,
        create(GetIndividualRecordRequestSchema, { comuneCode, fiscalCode: "RSSMRA85T10A562S" }),
      ),
    );
    const next = order();
    script(next.first, droppedMidCall());
    const read = await serve(handlers.consultation.GetIndividualRecord, record);
    expect(read.err).toBeNull();
    expect(calls.slice(2).map((c) => c.box)).toEqual([next.first.instanceId, next.second.instanceId]);
  });

  it("a read whose box answered (ANPR_UNAVAILABLE) is not retried either", async () => {
    const { handlers, calls, order, script } = setup();
    const { first } = order();
    script(first, boxStatus("unavailable", "ANPR_UNAVAILABLE"));
    const record = Buffer.from(
      toBinary(
        GetIndividualRecordRequestSchema,
        create(GetIndividualRecordRequestSchema, { comuneCode, fiscalCode: "RSSMRA85T10A562S" }),
      ),
    );
    const { err } = await serve(handlers.consultation.GetIndividualRecord, record);
    expect(decodeStatusDetails(err?.metadata).reason).toBe("ANPR_UNAVAILABLE");
    expect(calls).toHaveLength(1);
  });

  it("the Comune comes from x-comune-code when the field is empty, and is written into the forwarded request", async () => {
    const { handlers, calls } = setup();
    const request = Buffer.from(
      toBinary(
        GetIndividualRecordRequestSchema,
        create(GetIndividualRecordRequestSchema, { fiscalCode: "RSSMRA85T10A562S" }),
      ),
    );
    const { err } = await serve(handlers.consultation.GetIndividualRecord, request, { "x-comune-code": comuneCode });
    expect(err).toBeNull();
    expect(fromBinary(GetIndividualRecordRequestSchema, calls[0]!.request)).toMatchObject({
      comuneCode,
      fiscalCode: "RSSMRA85T10A562S",
    });
  });

  it("no Comune at all: INVALID_ARGUMENT MISSING_COMUNE_CODE and no box is called", async () => {
    const { handlers, calls } = setup();
    const { err } = await serve(handlers.consultation.GetIndividualRecord, Buffer.alloc(0));
    expect(err?.code).toBe(GrpcCode.INVALID_ARGUMENT);
    expect(decodeStatusDetails(err?.metadata).reason).toBe("MISSING_COMUNE_CODE");
    expect(calls).toHaveLength(0);
  });
});
