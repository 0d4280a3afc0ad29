import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Writable } from "node:stream";
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { createGrpcClient, type GrpcClient } from "../src/rpc/grpc-adapter.js";
import { createGrpcServer, grpcService, type GrpcServerHandle } from "../src/rpc/grpc-server.js";
import { DomainError } from "../src/runtime/domain-error.js";
import { RpcError } from "../src/rpc/grpc-status.js";
import { createLogger } from "../src/runtime/logger.js";
import { createObservability, otlpTracesUrl, type Observability } from "../src/runtime/observability.js";
import { startOtlpReceiver, type OtlpReceiver } from "../../../test/support/otlp-receiver.js";

const fiscalCode = "RSSMRA85T10A562S";

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/**
 * Two real grpc-js servers in one process, "front" calling "back", each with its own
 * Observability exporting to a local OTLP receiver: one trace across both, request id adopted end
 * to end, facts on spans and log lines, and the RPC metrics.
 */
describe("observability across two gRPC hops", () => {
  let receiver: OtlpReceiver;
  let front: GrpcServerHandle;
  let back: GrpcServerHandle;
  let frontObs: Observability;
  let backObs: Observability;
  let client: GrpcClient<typeof CertificationService>;
  let testChannel: Client;
  let backChannel: Client;
  const frontLog = capture();
  const backLog = capture();
  const seenByBack: string[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "50" };
    backObs = createObservability({
      service: "back",
      env,
      accessLog: createLogger({ name: "back", destination: backLog.stream }),
      processMetrics: false,
    });
    frontObs = createObservability({
      service: "front",
      env,
      accessLog: createLogger({ name: "front", destination: frontLog.stream }),
      processMetrics: false,
    });
    back = createGrpcServer({
      logger: createLogger({ name: "back", level: "silent" }),
      observability: backObs,
      services: [
        grpcService(CertificationService, {
          listCertificateTypes(request, context) {
            seenByBack.push(String(context.requestHeader.get("x-request-id") ?? undefined));
            backObs.annotate({ comune: request.comuneCode, instance: "box-1", anprErrorCode: fiscalCode });
            if (request.comuneCode === "000000")
              throw new DomainError("not-found", "no Novabox serves Comune 000000", { reason: "COMUNE_NOT_SERVED" });
            return backObs.inSpan("ANPR 6001", (span) => {
              span.annotate({ anprService: "6001", anprOperationId: "OP-42" });
              return { certificateTypes: [] };
            });
          },
        }),
      ],
    });
    const backPort = await back.listen("127.0.0.1:0");
    backChannel = new Client(`127.0.0.1:${backPort}`, credentials.createInsecure(), {
      interceptors: [frontObs.grpcClientInterceptor],
    });
    const backClient = createGrpcClient(CertificationService, backChannel);
    front = createGrpcServer({
      logger: createLogger({ name: "front", level: "silent" }),
      observability: frontObs,
      services: [
        grpcService(CertificationService, {
          listCertificateTypes(request) {
            frontObs.annotate({ comune: request.comuneCode });
            return backClient.listCertificateTypes(request);
          },
        }),
      ],
    });
    const frontPort = await front.listen("127.0.0.1:0");
    testChannel = new Client(`127.0.0.1:${frontPort}`, credentials.createInsecure());
    client = createGrpcClient(CertificationService, testChannel);
  });

  afterAll(async () => {
    testChannel.close();
    backChannel.close();
    await front.shutdown(1000);
    await back.shutdown(1000);
    await frontObs.close();
    await backObs.close();
    await receiver.close();
  });

  it("joins both hops and the inner work span into the caller's trace, with the request id adopted", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const metadata = new Metadata();
    metadata.set("traceparent", `00-${traceId}-00f067aa0ba902b7-01`);
    metadata.set("x-request-id", "req-abc-123");
    await client.listCertificateTypes({ comuneCode: "022205" }, { metadata });
    await frontObs.close();
    await backObs.close();

    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    const frontServer = spans.find((s) => s.service === "front" && s.kind === 2);
    const frontClient = spans.find((s) => s.service === "front" && s.kind === 3);
    const backServer = spans.find((s) => s.service === "back" && s.kind === 2);
    const work = spans.find((s) => s.service === "back" && s.name === "ANPR 6001");
    expect(frontServer?.parentSpanId).toBe("00f067aa0ba902b7");
    expect(frontClient?.parentSpanId).toBe(frontServer?.spanId);
    expect(backServer?.parentSpanId).toBe(frontClient?.spanId);
    expect(work?.parentSpanId).toBe(backServer?.spanId);
    expect(frontServer?.name).toBe("novabox.certification.v1.CertificationService/ListCertificateTypes");
    expect(backServer?.attributes["novabox.comune_code"]).toBe("022205");
    expect(backServer?.attributes["novares.instance_id"]).toBe("box-1");
    expect(work?.attributes["anpr.operation_id"]).toBe("OP-42");
    expect(seenByBack).toEqual(["req-abc-123"]);
    // A fiscal code slipped into a fact is masked before it reaches a span or a log line.
    expect(receiver.rawBodies.join("")).not.toContain(fiscalCode);
    const line = backLog.lines().find((l) => l.msg === "call" && l.requestId === "req-abc-123");
    expect(line).toMatchObject({
      method: "novabox.certification.v1.CertificationService/ListCertificateTypes",
      code: "OK",
      comune: "022205",
      instance: "box-1",
      anprOperationId: "OP-42",
    });
    expect(JSON.stringify(backLog.lines())).not.toContain(fiscalCode);
    expect(frontLog.lines().filter((l) => l.msg === "call" && l.requestId === "req-abc-123")).toHaveLength(1);
  });

  it("generates a request id when the caller sent none and sends it downstream", async () => {
    seenByBack.length = 0;
    await client.listCertificateTypes({ comuneCode: "022161" });
    expect(seenByBack[0]).toMatch(/^[0-9a-f-]{36}$/);
    const frontLine = frontLog.lines().find((l) => l.msg === "call" && l.comune === "022161");
    expect(frontLine?.requestId).toBe(seenByBack[0]);
  });

  it("counts calls by method and code, and the error's code and reason reach the log", async () => {
    const metric = (body: string, code: string) => {
      const match = body.match(
        new RegExp(
          `mesh_rpc_server_handled_total\\{method="novabox.certification.v1.CertificationService/ListCertificateTypes",code="${code}",transport="grpc",service="back"\\} (\\d+)`,
        ),
      );
      return match ? Number(match[1]) : 0;
    };
    const before = metric((await backObs.scrape()).body, "NOT_FOUND");
    const err = await client.listCertificateTypes({ comuneCode: "000000" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).trailers.get("x-request-id")[0]).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await backObs.scrape()).body;
    expect(metric(body, "NOT_FOUND")).toBe(before + 1);
    expect(metric(body, "OK")).toBeGreaterThanOrEqual(2);
    expect(body).toContain("mesh_rpc_server_handling_seconds_bucket");
    expect((await frontObs.scrape()).body).toMatch(
      /mesh_rpc_client_handled_total\{method="novabox.certification.v1.CertificationService\/ListCertificateTypes",code="NOT_FOUND",service="front"\} 1/,
    );
    expect(backLog.lines().find((l) => l.code === "NOT_FOUND")).toMatchObject({ reason: "COMUNE_NOT_SERVED" });
  });

  it("reports days until a watched certificate expires", async () => {
    backObs.watchCertificate("mesh", "box-022205", () => new Date(Date.now() + 10 * 86_400_000));
    expect((await backObs.scrape()).body).toMatch(
      /mesh_certificate_expiry_days\{kind="mesh",name="box-022205",service="back"\} (9\.9\d*|10)/,
    );
  });
});

describe("observability helpers", () => {
  it("exports only when an OTLP endpoint or exporter is configured", () => {
    expect(otlpTracesUrl({})).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toBe(
      "http://collector:4318/v1/traces",
    );
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/custom" })).toBe("http://c:4318/custom");
    expect(otlpTracesUrl({ OTEL_TRACES_EXPORTER: "otlp" })).toBe("http://localhost:4318/v1/traces");
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" })).toBeUndefined();
    expect(
      otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" }),
    ).toBeUndefined();
  });
});
