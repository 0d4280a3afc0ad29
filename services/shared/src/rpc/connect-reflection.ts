/**
 * gRPC server reflection (grpc.reflection.v1) for connect-node routers, which have none
 * (connectrpc/connect-es#507). The gateway's h2c listener serves it so that `grpcurl -plaintext`
 * lists and describes the gateway's services and decodes the google.rpc details of its errors, like
 * it does against the grpc-js servers (reflection.ts, same files: the services' own, their imports
 * and {@link statusDetailFiles}).
 *
 * The protocol (grpc/grpc reflection.proto): one bidirectional stream; each request asks for the
 * service list, a file by name, or the file declaring a symbol, and gets one response. A file is
 * answered together with its transitive imports, as grpc-go does, so a client needs one round trip.
 */
import { readFileSync } from "node:fs";
import type { ConnectRouter } from "@connectrpc/connect";
import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type DescriptorProto, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { ServerReflection, type ServerReflectionRequest } from "#gen/grpc/reflection/v1/reflection_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { collectFileDescriptorProtos, defaultDescriptorSetUrl } from "./reflection.js";

/** Options for {@link addConnectReflection}. */
export interface ConnectReflectionOptions {
  /** The services the router serves (reflection itself is added to the list). */
  services: readonly DescService[];
  /** A serialized FileDescriptorSet; defaults to gen/descriptors.binpb. */
  descriptorSet?: Uint8Array;
  /** Files to describe besides the services' own; default statusDetailFiles. */
  extraFiles?: readonly DescFile[];
}

type ResponseInit = MessageInitShape<typeof ServerReflection.method.serverReflectionInfo.output>;

/** The lookup tables of one reflection server. */
interface ReflectionIndex {
  services: string[];
  files: Map<string, FileDescriptorProto>;
  symbols: Map<string, string>;
}

function indexFiles(files: readonly FileDescriptorProto[], serviceNames: readonly string[]): ReflectionIndex {
  const index: ReflectionIndex = { services: [...serviceNames], files: new Map(), symbols: new Map() };
  for (const file of files) {
    index.files.set(file.name, file);
    const prefix = file.package ? `${file.package}.` : "";
    const addMessage = (message: DescriptorProto, scope: string) => {
      const name = `${scope}${message.name}`;
      index.symbols.set(name, file.name);
      for (const field of message.field) index.symbols.set(`${name}.${field.name}`, file.name);
      for (const nested of message.nestedType) addMessage(nested, `${name}.`);
      for (const nested of message.enumType) index.symbols.set(`${name}.${nested.name}`, file.name);
    };
    for (const message of file.messageType) addMessage(message, prefix);
    for (const enumType of file.enumType) index.symbols.set(`${prefix}${enumType.name}`, file.name);
    for (const service of file.service) {
      index.symbols.set(`${prefix}${service.name}`, file.name);
      for (const method of service.method) index.symbols.set(`${prefix}${service.name}.${method.name}`, file.name);
    }
  }
  return index;
}

/** The file named `name` and its transitive imports, serialized, the file first. */
function withImports(index: ReflectionIndex, name: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  const visit = (fileName: string) => {
    if (seen.has(fileName)) return;
    seen.add(fileName);
    const file = index.files.get(fileName);
    if (!file) return;
    out.push(toBinary(FileDescriptorProtoSchema, file));
    for (const dependency of file.dependency) visit(dependency);
  };
  visit(name);
  return out;
}

/** Answers one reflection request. */
export function answerReflectionRequest(index: ReflectionIndex, request: ServerReflectionRequest): ResponseInit {
  const base = { validHost: request.host, originalRequest: request };
  const notFound = (message: string): ResponseInit => ({
    ...base,
    messageResponse: { case: "errorResponse", value: { errorCode: 5, errorMessage: message } },
  });
  const files = (name: string): ResponseInit => ({
    ...base,
    messageResponse: { case: "fileDescriptorResponse", value: { fileDescriptorProto: withImports(index, name) } },
  });
  const ask = request.messageRequest;
  switch (ask.case) {
    case "listServices":
      return {
        ...base,
        messageResponse: { case: "listServicesResponse", value: { service: index.services.map((name) => ({ name })) } },
      };
    case "fileByFilename":
      return index.files.has(ask.value) ? files(ask.value) : notFound(`file not found: ${ask.value}`);
    case "fileContainingSymbol": {
      const file = index.symbols.get(ask.value.replace(/^\./, ""));
      return file ? files(file) : notFound(`symbol not found: ${ask.value}`);
    }
    case "allExtensionNumbersOfType":
      return index.symbols.has(ask.value)
        ? {
            ...base,
            messageResponse: {
              case: "allExtensionNumbersResponse",
              value: { baseTypeName: ask.value, extensionNumber: [] },
            },
          }
        : notFound(`type not found: ${ask.value}`);
    case "fileContainingExtension":
      return notFound(`extension not found: ${ask.value.containingType} ${ask.value.extensionNumber}`);
    default:
      return {
        ...base,
        messageResponse: {
          case: "errorResponse",
          value: {
            errorCode: 3,
            errorMessage:
              "empty reflection request: set one of list_services, file_by_filename, file_containing_symbol",
          },
        },
      };
  }
}

/** Creates the lookup tables for `options` (exposed for tests). */
export function createReflectionIndex(options: ConnectReflectionOptions): ReflectionIndex {
  const descriptorSet = options.descriptorSet ?? readFileSync(defaultDescriptorSetUrl);
  const services = [...options.services, ServerReflection];
  return indexFiles(
    collectFileDescriptorProtos(services, descriptorSet, options.extraFiles),
    services.map((s) => s.typeName),
  );
}

/** Adds grpc.reflection.v1.ServerReflection describing `options.services` to a Connect router. */
export function addConnectReflection(router: ConnectRouter, options: ConnectReflectionOptions): void {
  const index = createReflectionIndex(options);
  router.service(ServerReflection, {
    async *serverReflectionInfo(requests: AsyncIterable<ServerReflectionRequest>): AsyncIterable<ResponseInit> {
      for await (const request of requests) yield answerReflectionRequest(index, request);
    },
  });
}
