/**
 * grpc-js ⇄ protobuf-es v2 adapter. protoc-gen-es generates descriptors but no grpc-js service
 * definitions; this derives them from a `DescService` (path `/<typeName>/<method>`, stream flags from
 * `methodKind`, protobuf-es binary (de)serialization), so one generated descriptor serves both
 * `Server.addService` and typed clients, with no second code generator.
 *
 * Handlers are plain async functions typed from the descriptor ({@link ServiceImpl}); whatever they
 * throw becomes a status through grpc-status.ts. Clients ({@link createGrpcClient}) return promises
 * and async iterables and throw {@link RpcError}.
 */
import type { EventEmitter } from "node:events";
import type { Client } from "@grpc/grpc-js";
import {
  Metadata,
  status as GrpcCode,
  type CallOptions as GrpcCallOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientWritableStream,
  type MethodDefinition,
  type Server,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedHandleCall,
  type sendUnaryData,
} from "@grpc/grpc-js";
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethod,
  type DescService,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { fromServiceError, RpcError, toServiceError, type ErrorLogger, type GrpcServiceError } from "./grpc-status.js";
import type { CallContext } from "./call-context.js";

export type { CallContext } from "./call-context.js";

type Unary<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => Promise<MessageInitShape<O>> | MessageInitShape<O>;
type ServerStreaming<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<O>>;
type ClientStreaming<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: CallContext,
) => Promise<MessageInitShape<O>>;
type BidiStreaming<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<O>>;

/** The handler type of one method, derived from its descriptor. */
export type MethodImpl<M> = M extends {
  methodKind: "unary";
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? Unary<I, O>
  : M extends {
        methodKind: "server_streaming";
        input: infer I extends DescMessage;
        output: infer O extends DescMessage;
      }
    ? ServerStreaming<I, O>
    : M extends {
          methodKind: "client_streaming";
          input: infer I extends DescMessage;
          output: infer O extends DescMessage;
        }
      ? ClientStreaming<I, O>
      : M extends {
            methodKind: "bidi_streaming";
            input: infer I extends DescMessage;
            output: infer O extends DescMessage;
          }
        ? BidiStreaming<I, O>
        : never;

/** A service implementation: one handler per rpc, keyed by the method's local (camelCase) name. */
export type ServiceImpl<S extends DescService> = { [K in keyof S["method"]]: MethodImpl<S["method"][K]> };

/** Options shared by {@link addGrpcService}. */
export interface AddGrpcServiceOptions {
  /** Where unexpected handler errors are logged (with their cause). */
  logger?: ErrorLogger;
}

/** The grpc-js path of a method: `/<package>.<Service>/<Method>`. */
export function grpcMethodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function methodDefinition(method: DescMethod): MethodDefinition<object, object> {
  const input = method.input;
  const output = method.output;
  return {
    path: grpcMethodPath(method),
    requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: (value: object) =>
      Buffer.from(toBinary(input, create(input, value as MessageInitShape<DescMessage>))),
    requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
    responseSerialize: (value: object) =>
      Buffer.from(toBinary(output, create(output, value as MessageInitShape<DescMessage>))),
    responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
    originalName: method.localName,
  };
}

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * The grpc-js ServiceDefinition of `service` with pass-through serializers: handlers and clients
 * see each message as the bytes on the wire, never decoded or re-encoded. For proxies (the router)
 * that only need to read a field or two of a request and relay everything else untouched.
 */
export function createPassThroughServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<Buffer, Buffer>> = {};
  for (const method of service.methods) {
    definition[method.name] = {
      path: grpcMethodPath(method),
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
      originalName: method.localName,
    };
  }
  return definition;
}

/** Pass-through (bytes in, bytes out) grpc-js handlers of a service, keyed by rpc name (`IssueCertificate`). */
export type PassThroughHandlers = Record<string, UntypedHandleCall>;

/**
 * Registers raw handlers for `service` on a grpc-js server with {@link createPassThroughServiceDefinition}.
 * Methods without a handler answer UNIMPLEMENTED naming the method, as with {@link addGrpcService}.
 */
export function addPassThroughService(server: Server, service: DescService, handlers: PassThroughHandlers): void {
  const complete: Record<string, UntypedHandleCall> = {};
  for (const method of service.methods) complete[method.name] = handlers[method.name] ?? unimplemented(service, method);
  server.addService(createPassThroughServiceDefinition(service), complete);
}

/** Derives the grpc-js ServiceDefinition of a protobuf-es service descriptor. */
export function createServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<object, object>> = {};
  for (const method of service.methods) {
    definition[method.name] = methodDefinition(method);
  }
  return definition;
}

type AnyCall =
  | ServerUnaryCall<object, object>
  | ServerReadableStream<object, object>
  | ServerWritableStream<object, object>
  | ServerDuplexStream<object, object>;

/**
 * grpc-js metadata as standard `Headers`: every value of every key, binary (`-bin`) values in
 * base64 as they travel on the wire, so a handler reads them the same over grpc-js and Connect.
 */
export function headersOfMetadata(metadata: Metadata): Headers {
  const headers = new Headers();
  for (const [key, values] of Object.entries(metadata.toJSON()))
    for (const value of values as (string | Buffer)[])
      headers.append(key, typeof value === "string" ? value : Buffer.from(value).toString("base64"));
  return headers;
}

/** `Headers` as grpc-js metadata (the reverse of {@link headersOfMetadata}); `-bin` values decoded. */
export function metadataOfHeaders(headers: Headers): Metadata {
  const metadata = new Metadata();
  headers.forEach((value, key) => {
    if (key.endsWith("-bin"))
      for (const part of value.split(",")) metadata.add(key, Buffer.from(part.trim(), "base64"));
    else metadata.add(key, value);
  });
  return metadata;
}

/**
 * The context of a call, and `answered()` to say the call has its answer: grpc-js also reports
 * "cancelled" once the status of a finished call is sent (1.14: every call), which is no
 * cancellation — the signal aborts only for a call still unanswered (and no error is built for
 * every call).
 */
function createContext(
  call: AnyCall,
  method: DescMethod,
): { context: CallContext; responseHeader: Headers; answered: () => void } {
  const controller = new AbortController();
  let answered = false;
  (call as EventEmitter).on("cancelled", () => {
    if (!answered) controller.abort(new RpcError(GrpcCode.CANCELLED, "call cancelled by the client"));
  });
  const rawDeadline = call.getDeadline();
  const deadline =
    rawDeadline instanceof Date ? rawDeadline : Number.isFinite(rawDeadline) ? new Date(rawDeadline) : undefined;
  const responseHeader = new Headers();
  return {
    responseHeader,
    answered: () => {
      answered = true;
    },
    context: {
      requestHeader: headersOfMetadata(call.metadata),
      signal: controller.signal,
      deadline,
      peer: call.getPeer(),
      get peerCertificate() {
        const certificate = call.getAuthContext()?.sslPeerCertificate;
        return certificate && Object.keys(certificate).length > 0 ? certificate : undefined;
      },
      method,
      responseHeader,
    },
  };
}

/** Whether a handler set any response header. */
function hasHeaders(headers: Headers): boolean {
  for (const _ of headers.keys()) return true;
  return false;
}

async function writeAll(
  call: ServerWritableStream<object, object> | ServerDuplexStream<object, object>,
  source: AsyncIterable<object>,
  signal: AbortSignal,
): Promise<void> {
  for await (const message of source) {
    if (signal.aborted) return;
    if (!call.write(message)) {
      const emitter: EventEmitter = call;
      await new Promise<void>((resolve) => {
        const done = () => {
          emitter.off("drain", done);
          emitter.off("cancelled", done);
          resolve();
        };
        emitter.on("drain", done);
        emitter.on("cancelled", done);
      });
    }
  }
}

function unimplemented(service: DescService, method: DescMethod): UntypedHandleCall {
  const message = `${service.typeName}/${method.name} is not implemented by this server`;
  const handler = (call: AnyCall, callback?: sendUnaryData<object>) => {
    const err = toServiceError(new RpcError(GrpcCode.UNIMPLEMENTED, message));
    if (callback) callback(err);
    else call.emit("error", err);
  };
  return handler as UntypedHandleCall;
}

/**
 * Answers a call with one response (unary or client streaming): the handler's response headers,
 * when it set any, then the response; an error becomes the call's status.
 */
function serveSingle(
  call: ServerUnaryCall<object, object> | ServerReadableStream<object, object>,
  callback: sendUnaryData<object>,
  method: DescMethod,
  respond: (context: CallContext) => Promise<object> | object,
  fail: (err: unknown) => GrpcServiceError,
): void {
  const { context, responseHeader, answered } = createContext(call, method);
  Promise.resolve()
    .then(() => respond(context))
    .then(
      (response) => {
        if (hasHeaders(responseHeader)) call.sendMetadata(metadataOfHeaders(responseHeader));
        answered();
        callback(null, response);
      },
      (err: unknown) => {
        answered();
        callback(fail(err));
      },
    );
}

/**
 * Answers a call with a stream (server or bidi streaming): the response headers first, then each
 * message as the handler yields it (waiting for the client to drain); an error ends the call with
 * its status unless the client already cancelled.
 */
function serveStream(
  call: ServerWritableStream<object, object> | ServerDuplexStream<object, object>,
  method: DescMethod,
  respond: (context: CallContext) => AsyncIterable<object>,
  fail: (err: unknown) => GrpcServiceError,
): void {
  const { context, responseHeader, answered } = createContext(call, method);
  Promise.resolve()
    .then(async () => {
      const source = respond(context);
      call.sendMetadata(metadataOfHeaders(responseHeader));
      await writeAll(call, source, context.signal);
    })
    .then(
      () => {
        answered();
        call.end();
      },
      (err: unknown) => {
        if (context.signal.aborted) return;
        answered();
        call.emit("error", fail(err));
      },
    );
}

function wrapMethod(
  method: DescMethod,
  impl: (...args: never[]) => unknown,
  logger: ErrorLogger | undefined,
): UntypedHandleCall {
  const logContext = { rpc: grpcMethodPath(method) };
  const fail = (err: unknown) => toServiceError(err, logger, logContext);
  type Input = MessageShape<DescMessage>;
  switch (method.methodKind) {
    case "unary":
      return ((call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) =>
        serveSingle(
          call,
          callback,
          method,
          (context) => (impl as Unary<DescMessage, DescMessage>)(call.request as Input, context),
          fail,
        )) as UntypedHandleCall;
    case "server_streaming":
      return ((call: ServerWritableStream<object, object>) =>
        serveStream(
          call,
          method,
          (context) => (impl as ServerStreaming<DescMessage, DescMessage>)(call.request as Input, context),
          fail,
        )) as UntypedHandleCall;
    case "client_streaming":
      return ((call: ServerReadableStream<object, object>, callback: sendUnaryData<object>) =>
        serveSingle(
          call,
          callback,
          method,
          (context) => (impl as ClientStreaming<DescMessage, DescMessage>)(call as AsyncIterable<Input>, context),
          fail,
        )) as UntypedHandleCall;
    case "bidi_streaming":
      return ((call: ServerDuplexStream<object, object>) =>
        serveStream(
          call,
          method,
          (context) => (impl as BidiStreaming<DescMessage, DescMessage>)(call as AsyncIterable<Input>, context),
          fail,
        )) as UntypedHandleCall;
  }
}

/**
 * Registers a protobuf-es service on a grpc-js server. Methods missing from `impl` answer
 * UNIMPLEMENTED naming the method, so a partial implementation is explicit at the wire.
 */
export function addGrpcService<S extends DescService>(
  server: Server,
  service: S,
  impl: Partial<ServiceImpl<S>>,
  options: AddGrpcServiceOptions = {},
): void {
  const handlers: Record<string, UntypedHandleCall> = {};
  const implementations = impl as Record<string, ((...args: never[]) => unknown) | undefined>;
  for (const method of service.methods) {
    const fn = implementations[method.localName];
    handlers[method.name] = fn ? wrapMethod(method, fn.bind(impl), options.logger) : unimplemented(service, method);
  }
  server.addService(createServiceDefinition(service), handlers);
}

/** Per-call options of a client created by {@link createGrpcClient}. */
export interface ClientCallOptions {
  /** Request headers; a plain record is converted to Metadata. */
  metadata?: Metadata | Record<string, string>;
  /** Absolute deadline, or a timeout in milliseconds from now. */
  deadline?: Date | number;
  /** Cancels the call when aborted. */
  signal?: AbortSignal;
}

type ClientUnary<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: ClientCallOptions,
) => Promise<MessageShape<O>>;
type ClientServerStreaming<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: ClientCallOptions,
) => AsyncIterable<MessageShape<O>>;
type ClientClientStreaming<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageInitShape<I>>,
  options?: ClientCallOptions,
) => Promise<MessageShape<O>>;
type ClientBidiStreaming<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageInitShape<I>>,
  options?: ClientCallOptions,
) => AsyncIterable<MessageShape<O>>;

/** The client method type of one rpc, derived from its descriptor. */
export type ClientMethod<M> = M extends {
  methodKind: "unary";
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? ClientUnary<I, O>
  : M extends {
        methodKind: "server_streaming";
        input: infer I extends DescMessage;
        output: infer O extends DescMessage;
      }
    ? ClientServerStreaming<I, O>
    : M extends {
          methodKind: "client_streaming";
          input: infer I extends DescMessage;
          output: infer O extends DescMessage;
        }
      ? ClientClientStreaming<I, O>
      : M extends {
            methodKind: "bidi_streaming";
            input: infer I extends DescMessage;
            output: infer O extends DescMessage;
          }
        ? ClientBidiStreaming<I, O>
        : never;

/** A typed client of a service: one method per rpc, keyed by local (camelCase) name. */
export type GrpcClient<S extends DescService> = { [K in keyof S["method"]]: ClientMethod<S["method"][K]> };

function toMetadata(value: ClientCallOptions["metadata"]): Metadata {
  if (value instanceof Metadata) return value;
  const metadata = new Metadata();
  for (const [key, v] of Object.entries(value ?? {})) metadata.set(key, v);
  return metadata;
}

function toGrpcOptions(options: ClientCallOptions): GrpcCallOptions {
  if (options.deadline === undefined) return {};
  return { deadline: typeof options.deadline === "number" ? Date.now() + options.deadline : options.deadline };
}

function abortError(signal: AbortSignal): RpcError {
  return signal.reason instanceof RpcError
    ? signal.reason
    : new RpcError(GrpcCode.CANCELLED, "call cancelled by the caller");
}

/**
 * Yields a client call's responses; the call is cancelled when `signal` aborts or the reader stops
 * early, and a failure arrives as the RpcError of its status.
 */
async function* readResponses(
  call: ClientReadableStream<object> | ClientDuplexStream<object, object>,
  signal: AbortSignal | undefined,
): AsyncGenerator<object> {
  const onAbort = () => call.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const message of call) yield message as object;
  } catch (err) {
    throw fromServiceError(err);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    call.cancel();
  }
}

/** Writes every request of `requests` then half-closes; a failing source cancels the call and is reported. */
async function writeRequests(
  call: ClientWritableStream<object> | ClientDuplexStream<object, object>,
  requests: AsyncIterable<object>,
  onSourceError: (err: unknown) => void,
): Promise<void> {
  try {
    for await (const request of requests) call.write(request);
    call.end();
  } catch (err) {
    call.cancel();
    onSourceError(err);
  }
}

/**
 * Creates a typed client of `service` over an existing grpc-js `Client` (one channel): several
 * service clients can share one channel to the same server. Errors are thrown as {@link RpcError}.
 */
export function createGrpcClient<S extends DescService>(service: S, channel: Client): GrpcClient<S> {
  const client: Record<string, unknown> = {};
  for (const method of service.methods) {
    const def = methodDefinition(method);
    const path = def.path;
    switch (method.methodKind) {
      case "unary":
        client[method.localName] = (request: object, options: ClientCallOptions = {}) =>
          new Promise((resolve, reject) => {
            if (options.signal?.aborted) return reject(abortError(options.signal));
            const call = channel.makeUnaryRequest(
              path,
              def.requestSerialize,
              def.responseDeserialize,
              request,
              toMetadata(options.metadata),
              toGrpcOptions(options),
              (err, value) => (err ? reject(fromServiceError(err)) : resolve(value)),
            );
            options.signal?.addEventListener("abort", () => call.cancel(), { once: true });
          });
        break;
      case "server_streaming":
        client[method.localName] = (request: object, options: ClientCallOptions = {}) =>
          (async function* () {
            if (options.signal?.aborted) throw abortError(options.signal);
            const call = channel.makeServerStreamRequest(
              path,
              def.requestSerialize,
              def.responseDeserialize,
              request,
              toMetadata(options.metadata),
              toGrpcOptions(options),
            );
            yield* readResponses(call, options.signal);
          })();
        break;
      case "client_streaming":
        client[method.localName] = (requests: AsyncIterable<object>, options: ClientCallOptions = {}) =>
          new Promise((resolve, reject) => {
            const call = channel.makeClientStreamRequest(
              path,
              def.requestSerialize,
              def.responseDeserialize,
              toMetadata(options.metadata),
              toGrpcOptions(options),
              (err, value) => (err ? reject(fromServiceError(err)) : resolve(value)),
            );
            options.signal?.addEventListener("abort", () => call.cancel(), { once: true });
            void writeRequests(call, requests, (err) => reject(err instanceof RpcError ? err : fromServiceError(err)));
          });
        break;
      case "bidi_streaming":
        client[method.localName] = (requests: AsyncIterable<object>, options: ClientCallOptions = {}) =>
          (async function* () {
            const call = channel.makeBidiStreamRequest(
              path,
              def.requestSerialize,
              def.responseDeserialize,
              toMetadata(options.metadata),
              toGrpcOptions(options),
            );
            void writeRequests(call, requests, () => undefined);
            yield* readResponses(call, options.signal);
          })();
        break;
    }
  }
  return client as GrpcClient<S>;
}
