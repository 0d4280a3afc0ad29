/**
 * A small stand-in Novabox for the router's integration tests: a real grpc-js server (through the
 * shared createGrpcServer, so with grpc.health.v1 and reflection) whose Certification and
 * Consultation answers carry its own name, the idempotency key and the `authorization` header it
 * received, so a test sees which box served a call and what reached it.
 */
import { Client, credentials, Metadata, ServerCredentials, status, type ChannelCredentials } from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack, durationFromMs } from "@bufbuild/protobuf/wkt";
import { RetryInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "#gen/google/rpc/status_pb.js";
import { CertificationService, CertificateType } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { RpcError } from "#shared/rpc/grpc-status.js";
import { createGrpcServer, grpcService } from "#shared/rpc/grpc-server.js";
import { ServingStatus } from "#shared/rpc/health.js";
import { createLogger } from "#shared/runtime/logger.js";

/** The fiscal code that makes a fake box fail with a rich INVALID_ARGUMENT. */
export const failingFiscalCode = "RSSMRA80A01L378X";

/** The tobacconist id that makes PreviewCertificate fail with RESOURCE_EXHAUSTED carrying a RetryInfo detail. */
export const throttledTobacconist = "throttled";

/** The google.rpc.Status a throttled preview answers, as bytes (what `grpc-status-details-bin` carries). */
export const throttledStatusBytes = Buffer.from(
  toBinary(
    StatusSchema,
    create(StatusSchema, {
      code: status.RESOURCE_EXHAUSTED,
      message: "slow down",
      details: [anyPack(RetryInfoSchema, create(RetryInfoSchema, { retryDelay: durationFromMs(1_500) }))],
    }),
  ),
);

/** Options of {@link startFakeBox}. */
export interface FakeBoxOptions {
  name: string;
  comuneCode: string;
  /** Default: any free port. */
  port?: number;
  credentials?: ServerCredentials;
}

/** A running fake box. */
export interface FakeBox {
  readonly name: string;
  readonly comuneCode: string;
  readonly port: number;
  /** Calls served so far. */
  readonly served: number;
  /** Sets the server ("") health status. */
  setServing(serving: boolean): void;
  /** Stops at once, like a crashed box (connections dropped). */
  kill(): void;
}

/** Starts a fake box on 127.0.0.1. */
export async function startFakeBox(options: FakeBoxOptions): Promise<FakeBox> {
  let served = 0;
  const identity = (auth: unknown) => `${options.name}|${typeof auth === "string" ? auth : ""}`;
  const server = createGrpcServer({
    logger: createLogger({ name: `fake-box-${options.name}`, level: "silent" }),
    services: [
      grpcService(CertificationService, {
        listCertificateTypes(request, context) {
          served++;
          return {
            certificateTypes: [
              {
                type: CertificateType.RESIDENCE,
                description: identity(context.requestHeader.get("authorization") ?? undefined),
                enabled: request.comuneCode === options.comuneCode,
              },
            ],
          };
        },
        previewCertificate(request, context) {
          served++;
          if (request.tobacconistId === throttledTobacconist) {
            const trailers = new Metadata();
            trailers.set("grpc-status-details-bin", throttledStatusBytes);
            throw new RpcError(status.RESOURCE_EXHAUSTED, "slow down", {}, { trailers });
          }
          return { requestId: identity(context.requestHeader.get("authorization") ?? undefined) };
        },
        issueCertificate(request, context) {
          served++;
          if (request.subject?.fiscalCode === failingFiscalCode) {
            throw new DomainError("invalid-input", "subject.fiscal_code: the check character is wrong", {
              reason: "INVALID_FISCAL_CODE",
              field: "subject.fiscal_code",
              metadata: { box: options.name },
            });
          }
          return {
            requestId: identity(context.requestHeader.get("authorization") ?? undefined),
            anprProtocolNumber: request.idempotencyKey,
            anprOperationId: request.comuneCode,
          };
        },
      }),
      grpcService(ConsultationService, {
        getIndividualRecord(_request, context) {
          served++;
          return {
            requestId: identity(context.requestHeader.get("authorization") ?? undefined),
            anprOperationId: String(context.deadline?.getTime() ?? ""),
          };
        },
      }),
    ],
  });
  const port = await server.listen(
    `127.0.0.1:${options.port ?? 0}`,
    options.credentials ?? ServerCredentials.createInsecure(),
  );
  return {
    name: options.name,
    comuneCode: options.comuneCode,
    port,
    get served() {
      return served;
    },
    setServing(serving) {
      server.health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    },
    kill() {
      server.server.forceShutdown();
    },
  };
}

/** Clients of a router: Discovery, Certification, Consultation over one channel. */
export interface RouterClients {
  channel: Client;
  discovery: GrpcClient<typeof DiscoveryService>;
  certification: GrpcClient<typeof CertificationService>;
  consultation: GrpcClient<typeof ConsultationService>;
}

/** Opens {@link RouterClients} to `address`. */
export function routerClients(
  address: string,
  channelCredentials: ChannelCredentials = credentials.createInsecure(),
): RouterClients {
  const channel = new Client(address, channelCredentials);
  return {
    channel,
    discovery: createGrpcClient(DiscoveryService, channel),
    certification: createGrpcClient(CertificationService, channel),
    consultation: createGrpcClient(ConsultationService, channel),
  };
}

/**
 * Announces `box` now and then every `everyMs`, like a real box, rotating over `discovery` (several
 * routers behind one address); returns the instance id and a stop function.
 */
export async function keepAnnouncing(
  discovery: GrpcClient<typeof DiscoveryService> | readonly GrpcClient<typeof DiscoveryService>[],
  box: FakeBox,
  everyMs: number,
): Promise<{ instanceId: string; stop: () => void }> {
  const targets: readonly GrpcClient<typeof DiscoveryService>[] = "announce" in discovery ? [discovery] : discovery;
  const request = {
    comuneCode: box.comuneCode,
    comuneName: `Comune ${box.comuneCode}`,
    workstationCode: `POST-${box.name}`,
    host: "127.0.0.1",
    port: box.port,
    version: "0.1.0-test",
  };
  const answer = await targets[0]!.announce(request, { deadline: 5_000 });
  let next = 1;
  const timer = setInterval(() => {
    const target = targets[next++ % targets.length]!;
    target.announce(request, { deadline: 2_000 }).catch(() => undefined);
  }, everyMs);
  return { instanceId: answer.instanceId, stop: () => clearInterval(timer) };
}
