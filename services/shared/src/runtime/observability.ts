/**
 * What an operator sees of a service: traces, Prometheus metrics and one access-log line per call,
 * from one object created per process and injected into the servers and clients that need it
 * (no module singleton, no global OpenTelemetry registration: several services can share a test
 * process, each with its own service name).
 *
 * - **Traces** (OpenTelemetry, manual spans): a grpc-js server interceptor, a connect-node
 *   interceptor and a grpc-js client interceptor open one span per call and carry the W3C
 *   `traceparent` header across hops, so browser → gateway → router → box → ANPR is one trace.
 *   Spans carry only the allow-listed {@link CallFacts} (method, Comune, instance, ANPR operation
 *   ids and error codes): never a fiscal code, a name or a token. Export is OTLP/HTTP, configured
 *   by the standard `OTEL_*` variables and off unless an OTLP endpoint (or
 *   `OTEL_TRACES_EXPORTER=otlp`) is set (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
 * - **Metrics** (prom-client, one registry per process): RPC count and latency by method and code,
 *   server and client side, plus whatever the service registers through {@link Observability.metrics}.
 * - **Access log**: one line per call (method, code, reason, duration, request id, peer and the
 *   facts), fiscal codes masked (log-safety.ts). The incoming `x-request-id` is adopted (or one is generated),
 *   echoed in the response headers and sent on every downstream call, so one id finds the call's
 *   line in every service.
 *
 * Health checks and reflection are logged at debug level and traced only when the caller sent a
 * `traceparent`: Consul and the router probe every few seconds.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  InterceptingCall,
  Metadata,
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status as GrpcCode,
  type Interceptor as GrpcClientInterceptor,
  type ServerInterceptor as GrpcServerInterceptor,
  type StatusObject,
} from "@grpc/grpc-js";
import { Code, ConnectError, type Interceptor as ConnectInterceptor } from "@connectrpc/connect";
import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { OTLPTraceExporter as OtlpTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from "prom-client";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { decodeStatusDetails } from "../rpc/grpc-status.js";
import { redactText } from "./log-safety.js";
import { createCallMeter, secondsSince } from "./call-meter.js";
import { requestIdHeader } from "../rpc/mesh-headers.js";
import type { Log } from "./log.js";

export { requestIdHeader };

/** What a caller's request id may look like; anything else is replaced by a fresh UUID. */
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The only facts a call may attach to its span and access-log line. Each one is safe by nature
 * (codes and ids of the mesh and of ANPR), which is why there is no free-form attribute: a fiscal
 * code, a citizen's name or a token has no field to go in.
 */
export interface CallFacts {
  /** ISTAT code of the Comune the call is for. */
  comune?: string;
  /** The Novabox instance id that served (or was picked for) the call. */
  instance?: string;
  /** The tobacconist's Novares id (access log only: not a span attribute). */
  tobacconist?: string;
  /** ANPR service or operation: `6001`, `3000`, `testconn`. */
  anprService?: string;
  /** `idOperazioneANPR` of ANPR's answer. */
  anprOperationId?: string;
  /** `idOperazioneComune` the box sent. */
  anprComuneOperationId?: string;
  /** ANPR's error code (e.g. EN122), or the error reason when ANPR gave none. */
  anprErrorCode?: string;
  /** Outcome of an ANPR call: ok, rejected, unavailable, timeout, ... */
  anprOutcome?: string;
}

const spanAttributeOf: Readonly<Record<keyof CallFacts, string | undefined>> = {
  comune: "novabox.comune_code",
  instance: "novares.instance_id",
  tobacconist: undefined,
  anprService: "anpr.service",
  anprOperationId: "anpr.operation_id",
  anprComuneOperationId: "anpr.comune_operation_id",
  anprErrorCode: "anpr.error_code",
  anprOutcome: "anpr.outcome",
};

/** Options of {@link createObservability}. */
export interface ObservabilityOptions {
  /** `service.name` of the spans and the `service` label of every metric (OTEL_SERVICE_NAME overrides the former). */
  service: string;
  /** `service.instance.id` of the spans (e.g. the box's Comune code or the router's address). */
  instance?: string;
  /** Where access-log lines go; omitted = none. */
  accessLog?: Pick<Log, "info" | "debug">;
  /** The `OTEL_*` variables (usually process.env); omitted = tracing off. */
  env?: Record<string, string | undefined>;
  /** Also collect Node's process metrics (default true). */
  processMetrics?: boolean;
}

/** A span around a piece of work inside a call (e.g. the ANPR SOAP request). */
export interface WorkSpan {
  /** Attaches facts to this span (and to the enclosing call's access-log line). */
  annotate(facts: CallFacts): void;
}

/** See the module comment. */
export interface Observability {
  readonly service: string;
  /** True when spans are exported (an OTLP endpoint is configured). */
  readonly tracing: boolean;
  /** The Prometheus registry of this process. */
  readonly registry: Registry;
  /** Helpers that create metrics in {@link registry}. */
  readonly metrics: MetricFactory;
  /** For `new Server({ interceptors })` (createGrpcServer does it). */
  readonly grpcServerInterceptor: GrpcServerInterceptor;
  /** For `new Client(address, credentials, { interceptors })`: traceparent, x-request-id, client metrics. */
  readonly grpcClientInterceptor: GrpcClientInterceptor;
  /** For `connectNodeAdapter({ interceptors })`: the same as the gRPC server interceptor, for Connect / gRPC-web. */
  readonly connectInterceptor: ConnectInterceptor;
  /** Attaches facts to the current call (span attributes and access-log fields); no-op outside a call. */
  annotate(facts: CallFacts): void;
  /**
   * Opens the server side of a call served on raw HTTP/2 (see {@link RelayedCall}): `header` reads a
   * request header (`traceparent`, `x-request-id`), `peer` is the caller's address.
   */
  openCall(method: string, header: (name: string) => string | undefined, peer: string): RelayedCall;
  /** Opens the client side of a call made on raw HTTP/2 from inside the current call (see {@link RelayedClientCall}). */
  openClientCall(method: string): RelayedClientCall;
  /** `callback`, bound to the current call's scope (for callbacks run from transport events); itself outside a call. */
  bindToCall<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void;
  /** The current call's request id; undefined outside a call. */
  requestId(): string | undefined;
  /** Runs `work` in a child span of the current call (a root span outside one). */
  inSpan<T>(name: string, work: (span: WorkSpan) => T | Promise<T>): Promise<T>;
  /**
   * Reports the days left before a certificate expires, as `mesh_certificate_expiry_days{kind,name}`:
   * `notAfter` is read at every scrape (undefined = not configured, no sample).
   */
  watchCertificate(kind: string, name: string, notAfter: () => Date | undefined): void;
  /** The Prometheus exposition of every metric. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /** Flushes and stops the span exporter. */
  close(): Promise<void>;
}

/**
 * The server side of a call a service relays without grpc-js or Connect (the router's HTTP/2
 * forwarder, server/http2-forwarder.ts): the same span, RPC metrics and access-log line as
 * {@link Observability.grpcServerInterceptor}.
 */
export interface RelayedCall {
  /** The adopted (or generated) `x-request-id`: echo it in the response headers and trailers. */
  readonly requestId: string;
  /** Runs `work` inside the call's scope ({@link Observability.annotate}, child spans). */
  run<T>(work: () => T): T;
  /** Ends the call once, with its status code and trailers (the ErrorInfo reason is read from them when not OK). */
  finish(code: number, trailers?: Metadata): void;
}

/** The client side of a call made without grpc-js inside the current call (see {@link Observability.openClientCall}). */
export interface RelayedClientCall {
  /** The headers to send with the request: the child span's `traceparent` and the call's `x-request-id`. */
  readonly headers: Record<string, string>;
  /** Ends the call once: client metrics and span. */
  finish(code: number, trailers?: Metadata): void;
}

/** Creates metrics registered in the process's registry (never the prom-client global one). */
export interface MetricFactory {
  counter<L extends string>(config: Omit<CounterConfiguration<L>, "registers">): Counter<L>;
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, "registers">): Gauge<L>;
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, "registers">): Histogram<L>;
}

/** Latency buckets (seconds) for calls that may wait on ANPR (tens of seconds at worst). */
export const latencyBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

interface CallScope {
  readonly context: Context;
  readonly span: Span;
  readonly requestId: string;
  readonly facts: CallFacts;
}

/** Where the exporter sends spans, or undefined when tracing is off (see the module comment). */
export function otlpTracesUrl(env: Record<string, string | undefined>): string | undefined {
  if ((env.OTEL_SDK_DISABLED ?? "").trim().toLowerCase() === "true") return undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.includes("none")) return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return `${base.replace(/\/+$/, "")}/v1/traces`;
  return exporters.includes("otlp") ? "http://localhost:4318/v1/traces" : undefined;
}

function resourceAttributes(env: Record<string, string | undefined>): Attributes {
  const attributes: Attributes = {};
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at > 0)
      attributes[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return attributes;
}

function otlpHeaders(env: Record<string, string | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at > 0) headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).filter((v): v is string => typeof v === "string");
    return values.length === 0 ? undefined : values;
  },
};
const metadataSetter: TextMapSetter<Metadata> = { set: (carrier, key, value) => carrier.set(key, value) };
const headersGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

/**
 * Methods probed every few seconds: logged at debug level, traced only when the caller traces.
 * Announce is one of them: every box calls it every 10 s, 1,600 calls a second at national scale.
 */
function isHousekeeping(method: string): boolean {
  return (
    method.startsWith("grpc.health.v1.") ||
    method.startsWith("grpc.reflection.") ||
    method === "novares.discovery.v1.DiscoveryService/Announce"
  );
}

function adoptRequestId(value: unknown): string {
  return typeof value === "string" && requestIdPattern.test(value) ? value : randomUUID();
}

function codeName(code: number): string {
  return (GrpcCode as unknown as Record<number, string>)[code] ?? String(code);
}

/**
 * The OTLP/HTTP span exporter, loaded only when tracing is on: it is the heaviest package a service
 * would otherwise load at start (README, "Performance"). A CommonJS package, so loaded synchronously.
 */
function loadOtlpTraceExporter(): typeof OtlpTraceExporter {
  return (
    createRequire(import.meta.url)("@opentelemetry/exporter-trace-otlp-http") as {
      OTLPTraceExporter: typeof OtlpTraceExporter;
    }
  ).OTLPTraceExporter;
}

/** Creates the {@link Observability} of one service. */
export function createObservability(options: ObservabilityOptions): Observability {
  const env = options.env ?? {};
  const service = options.service;
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const metrics: MetricFactory = {
    counter: (config) => new Counter({ ...config, registers: [registry] }),
    gauge: (config) => new Gauge({ ...config, registers: [registry] }),
    histogram: (config) => new Histogram({ ...config, registers: [registry] }),
  };

  const serverCalls = createCallMeter(metrics, {
    count: {
      name: "mesh_rpc_server_handled_total",
      help: "RPCs served, by method, status code and transport (grpc or connect).",
    },
    seconds: {
      name: "mesh_rpc_server_handling_seconds",
      help: "Time from the request headers to the status, by method and status code.",
      buckets: latencyBuckets,
    },
    labelNames: ["method", "code", "transport"],
  });
  const refusals = metrics.counter({
    name: "mesh_rpc_refusals_total",
    help: "Calls refused with RESOURCE_EXHAUSTED (rate limits, quotas, the mass-extraction rule), by method and ErrorInfo reason.",
    labelNames: ["method", "reason"],
  });
  const clientCalls = createCallMeter(metrics, {
    count: {
      name: "mesh_rpc_client_handled_total",
      help: "RPCs this service made to another service of the mesh, by method and status code.",
    },
    seconds: {
      name: "mesh_rpc_client_handling_seconds",
      help: "Latency of RPCs to other services of the mesh, by method and status code.",
      buckets: latencyBuckets,
    },
    labelNames: ["method", "code"],
  });
  const certificates = new Map<string, { kind: string; name: string; notAfter: () => Date | undefined }>();
  metrics.gauge({
    name: "mesh_certificate_expiry_days",
    help: "Days until the certificate expires (negative: expired), by kind (workstation, anpr_ca, mesh) and name.",
    labelNames: ["kind", "name"],
    collect() {
      this.reset();
      for (const c of certificates.values()) {
        let notAfter: Date | undefined;
        try {
          notAfter = c.notAfter();
        } catch {
          notAfter = undefined;
        }
        if (notAfter) this.set({ kind: c.kind, name: c.name }, (notAfter.getTime() - Date.now()) / 86_400_000);
      }
    },
  });

  const url = otlpTracesUrl(env);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...resourceAttributes(env),
      "service.name": env.OTEL_SERVICE_NAME?.trim() || service,
      ...(options.instance ? { "service.instance.id": options.instance } : {}),
    }),
    ...(url
      ? {
          spanProcessors: [
            new BatchSpanProcessor(new (loadOtlpTraceExporter())({ url, headers: otlpHeaders(env) }), {
              ...(env.OTEL_BSP_SCHEDULE_DELAY ? { scheduledDelayMillis: Number(env.OTEL_BSP_SCHEDULE_DELAY) } : {}),
            }),
          ],
        }
      : { sampler: new AlwaysOffSampler() }),
  });
  const tracer: Tracer = provider.getTracer("novabox-mesh");
  const propagator = new W3CTraceContextPropagator();
  const calls = new AsyncLocalStorage<CallScope>();
  const exporting = url !== undefined;
  const untraced = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  const access = options.accessLog;

  /**
   * One label object per method, code and transport, made once: a routed call's metrics then cost
   * two map lookups and prom-client's update, not a fresh label object per metric per call.
   */
  type Labels = { method: string; code: string; transport?: string };
  const labelSets = new Map<string, Map<string, Map<string, Labels>>>();
  const labelsOf = (method: string, code: string, transport?: string): Labels => {
    let byMethod = labelSets.get(transport ?? "");
    if (!byMethod) labelSets.set(transport ?? "", (byMethod = new Map<string, Map<string, Labels>>()));
    let byCode = byMethod.get(method);
    if (!byCode) byMethod.set(method, (byCode = new Map<string, Labels>()));
    let labels = byCode.get(code);
    if (!labels) byCode.set(code, (labels = transport === undefined ? { method, code } : { method, code, transport }));
    return labels;
  };
  /** The context of a call with no span (not exporting, no trace to continue): the same for every such call. */
  const untracedRoot = trace.setSpan(ROOT_CONTEXT, untraced);

  const setFacts = (span: Span, target: CallFacts, facts: CallFacts) => {
    for (const [key, raw] of Object.entries(facts) as [keyof CallFacts, string | undefined][]) {
      if (raw === undefined || raw === "") continue;
      const value = redactText(String(raw)).slice(0, 128);
      target[key] = value;
      const attribute = spanAttributeOf[key];
      if (attribute) span.setAttribute(attribute, value);
    }
  };

  /** Opens the scope of an incoming call. */
  const openServerCall = (
    method: string,
    transport: "grpc" | "connect",
    parentContext: Context,
    requestId: string,
    peer: string,
  ) => {
    const continued = trace.getSpanContext(parentContext) !== undefined;
    const traced = continued || !isHousekeeping(method);
    // Not exporting and no trace to continue: no span at all (a sampled-out span costs ids and attributes per call).
    const span =
      !exporting && !continued
        ? untraced
        : tracer.startSpan(
            method,
            {
              kind: SpanKind.SERVER,
              attributes: {
                "rpc.system": transport === "grpc" ? "grpc" : "connect_rpc",
                "rpc.service": method.split("/")[0] ?? method,
                "rpc.method": method.split("/")[1] ?? "",
                "mesh.request_id": requestId,
              },
            },
            traced ? parentContext : ROOT_CONTEXT,
          );
    const context =
      span === untraced && parentContext === ROOT_CONTEXT ? untracedRoot : trace.setSpan(parentContext, span);
    const scope: CallScope = { context, span, requestId, facts: {} };
    const started = performance.now();
    let finished = false;
    const finish = (code: number, reason: string | undefined, anprCode: string | undefined) => {
      if (finished) return;
      finished = true;
      const seconds = secondsSince(started);
      const name = codeName(code);
      serverCalls.record(labelsOf(method, name, transport), seconds);
      if (code === (GrpcCode.RESOURCE_EXHAUSTED as number)) refusals.inc({ method, reason: reason ?? "" });
      span.setAttribute("rpc.grpc.status_code", code);
      if (reason) span.setAttribute("error.reason", reason);
      if (anprCode && !scope.facts.anprErrorCode) setFacts(span, scope.facts, { anprErrorCode: anprCode });
      if (code !== (GrpcCode.OK as number))
        span.setStatus({ code: SpanStatusCode.ERROR, message: reason ? `${name} ${reason}` : name });
      span.end();
      if (!access) return;
      const line = {
        method,
        code: name,
        ...(reason ? { reason } : {}),
        durationMs: Math.round(seconds * 10_000) / 10,
        requestId,
        transport,
        peer: redactText(peer),
        ...scope.facts,
      };
      if (traced && !isHousekeeping(method)) access.info(line, "call");
      else access.debug(line, "call");
    };
    return { scope, finish };
  };

  const grpcServerInterceptor: GrpcServerInterceptor = (methodDescriptor, call) => {
    const method = methodDescriptor.path.replace(/^\//, "");
    let opened: ReturnType<typeof openServerCall> | undefined;
    const inScope = (run: () => void) => (opened ? calls.run(opened.scope, run) : run());
    const responder = new ResponderBuilder()
      .withStart((next) => {
        next(
          new ServerListenerBuilder()
            .withOnReceiveMetadata((metadata, nextMetadata) => {
              const requestId = adoptRequestId(metadata.get(requestIdHeader)[0]);
              metadata.set(requestIdHeader, requestId);
              opened = openServerCall(
                method,
                "grpc",
                propagator.extract(ROOT_CONTEXT, metadata, metadataGetter),
                requestId,
                call.getPeer(),
              );
              inScope(() => nextMetadata(metadata));
            })
            .withOnReceiveMessage((message, nextMessage) => inScope(() => nextMessage(message)))
            .withOnReceiveHalfClose((nextHalfClose) => inScope(() => nextHalfClose()))
            .withOnCancel(() => opened?.finish(GrpcCode.CANCELLED, undefined, undefined))
            .build(),
        );
      })
      .withSendMetadata((metadata, next) => {
        if (opened) metadata.set(requestIdHeader, opened.scope.requestId);
        next(metadata);
      })
      .withSendStatus((status, next) => {
        const trailers = status.metadata ?? new Metadata();
        if (opened) {
          trailers.set(requestIdHeader, opened.scope.requestId);
          const details = status.code === GrpcCode.OK ? undefined : decodeStatusDetails(trailers);
          opened.finish(status.code, details?.reason, details?.metadata.anprCode);
        }
        next({ ...status, metadata: trailers });
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };

  const connectInterceptor: ConnectInterceptor = (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    const requestId = adoptRequestId(req.header.get(requestIdHeader));
    req.header.set(requestIdHeader, requestId);
    const { scope, finish } = openServerCall(
      method,
      "connect",
      propagator.extract(ROOT_CONTEXT, req.header, headersGetter),
      requestId,
      req.header.get("x-forwarded-for") ?? "",
    );
    return calls.run(scope, async () => {
      try {
        const res = await next(req);
        res.header.set(requestIdHeader, requestId);
        finish(GrpcCode.OK, undefined, undefined);
        return res;
      } catch (err) {
        const error = ConnectError.from(err, Code.Internal);
        error.metadata.set(requestIdHeader, requestId);
        const info = error.findDetails(ErrorInfoSchema)[0];
        const cause = error.cause as
          | {
              reason?: unknown;
              metadata?: Record<string, unknown>;
              details?: { reason?: string; metadata?: Record<string, string> };
            }
          | undefined;
        const reason =
          info?.reason || (typeof cause?.reason === "string" ? cause.reason : cause?.details?.reason) || undefined;
        const anprCode =
          info?.metadata.anprCode ??
          (typeof cause?.metadata?.anprCode === "string"
            ? cause.metadata.anprCode
            : cause?.details?.metadata?.anprCode);
        finish(error.code, reason, anprCode);
        throw error;
      }
    });
  };

  /** The client span, metrics and propagated headers of one outgoing call (grpc-js or raw HTTP/2). */
  const startClientCall = (method: string) => {
    const parent = calls.getStore();
    const span =
      parent && parent.span !== untraced
        ? tracer.startSpan(
            method,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                "rpc.system": "grpc",
                "rpc.service": method.split("/")[0] ?? method,
                "rpc.method": method.split("/")[1] ?? "",
              },
            },
            parent.context,
          )
        : undefined;
    const started = performance.now();
    let finished = false;
    return {
      parent,
      span,
      /** Writes `traceparent` (and the call's request id when absent) through `set`. */
      inject(carrier: Metadata, has: (key: string) => boolean) {
        if (span && parent) propagator.inject(trace.setSpan(parent.context, span), carrier, metadataSetter);
        if (parent && !has(requestIdHeader)) carrier.set(requestIdHeader, parent.requestId);
      },
      finish(code: number, trailers: Metadata | undefined) {
        if (finished) return;
        finished = true;
        const name = codeName(code);
        clientCalls.record(labelsOf(method, name), secondsSince(started));
        if (span) {
          span.setAttribute("rpc.grpc.status_code", code);
          if (code !== (GrpcCode.OK as number)) {
            const reason = decodeStatusDetails(trailers).reason;
            if (reason) span.setAttribute("error.reason", reason);
            span.setStatus({ code: SpanStatusCode.ERROR, message: reason ? `${name} ${reason}` : name });
          }
          span.end();
        }
      },
    };
  };

  const grpcClientInterceptor: GrpcClientInterceptor = (callOptions, nextCall) => {
    const client = startClientCall(callOptions.method_definition.path.replace(/^\//, ""));
    return new InterceptingCall(nextCall(callOptions), {
      start(metadata, listener, next) {
        client.inject(metadata, (key) => metadata.get(key).length > 0);
        next(metadata, {
          onReceiveStatus(status: StatusObject, nextStatus: (status: StatusObject) => void) {
            client.finish(status.code, status.metadata);
            nextStatus(status);
          },
        });
      },
    });
  };

  const openCall = (method: string, header: (name: string) => string | undefined, peer: string): RelayedCall => {
    const requestId = adoptRequestId(header(requestIdHeader));
    const parent = header("traceparent")
      ? propagator.extract(ROOT_CONTEXT, header, {
          get: (read: (name: string) => string | undefined, key: string) => read(key),
          keys: () => [],
        })
      : ROOT_CONTEXT;
    const { scope, finish } = openServerCall(method, "grpc", parent, requestId, peer);
    return {
      requestId,
      run: (work) => calls.run(scope, work),
      finish(code, trailers) {
        const details = code === (GrpcCode.OK as number) ? undefined : decodeStatusDetails(trailers);
        finish(code, details?.reason, details?.metadata.anprCode);
      },
    };
  };

  const openClientCall = (method: string): RelayedClientCall => {
    const client = startClientCall(method);
    const headers: Record<string, string> = {};
    if (client.span) {
      const carrier = new Metadata();
      client.inject(carrier, () => false);
      for (const [key, value] of Object.entries(carrier.getMap())) if (typeof value === "string") headers[key] = value;
    } else if (client.parent) headers[requestIdHeader] = client.parent.requestId;
    return { headers, finish: (code, trailers) => client.finish(code, trailers) };
  };

  return {
    service,
    tracing: url !== undefined,
    registry,
    metrics,
    grpcServerInterceptor,
    grpcClientInterceptor,
    connectInterceptor,
    openCall,
    openClientCall,
    bindToCall(callback) {
      const scope = calls.getStore();
      return scope ? (...args) => calls.run(scope, () => callback(...args)) : callback;
    },
    annotate(facts) {
      const scope = calls.getStore();
      if (scope) setFacts(scope.span, scope.facts, facts);
    },
    requestId: () => calls.getStore()?.requestId,
    async inSpan(name, work) {
      const parent = calls.getStore();
      const span = tracer.startSpan(name, { kind: SpanKind.CLIENT }, parent?.context ?? ROOT_CONTEXT);
      const handle: WorkSpan = {
        annotate(facts) {
          setFacts(span, parent ? parent.facts : {}, facts);
        },
      };
      try {
        const result = await work(handle);
        span.end();
        return result;
      } catch (err) {
        const reason = (err as { reason?: unknown } | undefined)?.reason;
        span.setStatus({ code: SpanStatusCode.ERROR, message: typeof reason === "string" ? reason : "error" });
        span.end();
        throw err;
      }
    },
    watchCertificate(kind, name, notAfter) {
      certificates.set(`${kind}\u0000${name}`, { kind, name, notAfter });
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    async close() {
      await provider.shutdown();
    },
  };
}
