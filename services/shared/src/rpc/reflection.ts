/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha, served by @grpc/reflection), fed from the
 * descriptor set `buf build` writes to gen/descriptors.binpb. That set keeps the source comments,
 * which the descriptors embedded in protobuf-es code drop, so `grpcurl describe` shows each rpc's
 * contract. Served: the files that declare the registered services, the files of every message that
 * can travel in a status's details ({@link statusDetailFiles}: google.rpc.Status, ErrorInfo,
 * BadRequest and the other google.rpc details, novabox.common.v1.AnprErrorDetails), and their
 * transitive imports. Without the detail types grpcurl prints "google.rpc.BadRequest is not
 * recognized" instead of the field at fault or the ANPR code.
 *
 * Loaded on first use: @grpc/reflection (protobufjs and its proto loader) and the decoding of the
 * descriptor set cost a box more start-up time than anything else it loads, and only operators
 * with grpcurl ever call reflection. The services are registered at start with the same paths;
 * the first reflection call (or message) loads the real implementation synchronously.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Server, ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import type * as GrpcReflection from "@grpc/reflection";
import { fromBinary, toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";

import { file_google_rpc_error_details } from "#gen/google/rpc/error_details_pb.js";
import { file_google_rpc_status } from "#gen/google/rpc/status_pb.js";
import { file_novabox_common_v1_anpr } from "#gen/novabox/common/v1/anpr_pb.js";

/**
 * The files whose messages can appear in a google.rpc.Status's details sent by a service of the
 * mesh. Every server's reflection serves them, whatever services it registers. Add a file here when
 * a new detail type is attached to a status.
 */
export const statusDetailFiles: readonly DescFile[] = [
  file_google_rpc_status,
  file_google_rpc_error_details,
  file_novabox_common_v1_anpr,
];

/** The descriptor set generated next to the code (`npm run generate`). */
export const defaultDescriptorSetUrl = new URL("../../../../gen/descriptors.binpb", import.meta.url);

/** Options for {@link addReflection}. */
export interface ReflectionOptions {
  /** The services to describe (health and reflection itself included by the caller if wanted). */
  services: readonly DescService[];
  /** A serialized google.protobuf.FileDescriptorSet; defaults to gen/descriptors.binpb. */
  descriptorSet?: Uint8Array;
  /** Files to describe besides the services' own; default {@link statusDetailFiles}. */
  extraFiles?: readonly DescFile[];
}

/**
 * The FileDescriptorProtos of the files declaring `services`, of `extraFiles` (default
 * {@link statusDetailFiles}) and of all their transitive imports, taken from `descriptorSet` (with
 * comments) and falling back to the protobuf-es embedded descriptors (without comments) for any
 * file the set lacks.
 */
export function collectFileDescriptorProtos(
  services: readonly DescService[],
  descriptorSet?: Uint8Array,
  extraFiles: readonly DescFile[] = statusDetailFiles,
): FileDescriptorProto[] {
  const fromSet = new Map<string, FileDescriptorProto>();
  if (descriptorSet) {
    for (const file of fromBinary(FileDescriptorSetSchema, descriptorSet).file) fromSet.set(file.name, file);
  }
  const seen = new Map<string, FileDescriptorProto>();
  const visit = (file: DescFile) => {
    const name = `${file.name}.proto`;
    if (seen.has(name)) return;
    seen.set(name, fromSet.get(name) ?? file.proto);
    for (const dependency of file.dependencies) visit(dependency);
  };
  for (const service of services) visit(service.file);
  for (const file of extraFiles) visit(file);
  return [...seen.values()];
}

/** {@link collectFileDescriptorProtos}, serialized (what reflection sends). */
export function collectFileDescriptors(
  services: readonly DescService[],
  descriptorSet?: Uint8Array,
  extraFiles: readonly DescFile[] = statusDetailFiles,
): Uint8Array[] {
  return collectFileDescriptorProtos(services, descriptorSet, extraFiles).map((file) =>
    toBinary(FileDescriptorProtoSchema, file),
  );
}

/** The reflection services @grpc/reflection serves, and their one (bidirectional) method. */
const reflectionServices = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"] as const;
const reflectionMethod = "ServerReflectionInfo";

/** What @grpc/reflection registers: each service's definition and handlers, by service name. */
type LoadedReflection = Map<string, { definition: ServiceDefinition; implementation: UntypedServiceImplementation }>;

/** Builds @grpc/reflection's services for `options`, capturing what it would add to a server. */
function loadReflection(options: ReflectionOptions): LoadedReflection {
  const descriptorSet = options.descriptorSet ?? readFileSync(defaultDescriptorSetUrl);
  const fileDescriptorProtos = collectFileDescriptors(options.services, descriptorSet, options.extraFiles).map(
    (bytes) => Buffer.from(bytes),
  );
  // @grpc/reflection reads only `fileDescriptorProtos` from each package-definition entry.
  const packageDefinition = {
    "novabox.reflection.files": { format: "Protocol Buffer 3 DescriptorProto", type: {}, fileDescriptorProtos },
  };
  // A CommonJS package, loaded synchronously: a message may need its deserializer at any moment.
  const { ReflectionService } = createRequire(import.meta.url)("@grpc/reflection") as typeof GrpcReflection;
  const loaded: LoadedReflection = new Map();
  const capture = {
    addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation) {
      const path = definition[reflectionMethod]?.path ?? "";
      loaded.set(path.slice(1, path.lastIndexOf("/")), { definition, implementation });
    },
  };
  new ReflectionService(packageDefinition as never, { services: options.services.map((s) => s.typeName) }).addToServer(
    capture,
  );
  return loaded;
}

/**
 * Adds server reflection (v1 and v1alpha) describing `options.services` to `server`, loaded on the
 * first reflection call (see the module comment).
 */
export function addReflection(server: Server, options: ReflectionOptions): void {
  let loaded: LoadedReflection | undefined;
  const real = (service: string) => {
    loaded ??= loadReflection(options);
    const found = loaded.get(service);
    if (!found) throw new Error(`@grpc/reflection no longer serves ${service}`);
    return { method: found.definition[reflectionMethod]!, handler: found.implementation[reflectionMethod]! };
  };
  for (const service of reflectionServices) {
    const definition: ServiceDefinition = {
      [reflectionMethod]: {
        path: `/${service}/${reflectionMethod}`,
        requestStream: true,
        responseStream: true,
        originalName: "serverReflectionInfo",
        requestSerialize: (value: unknown) => real(service).method.requestSerialize(value),
        requestDeserialize: (bytes: Buffer): unknown => real(service).method.requestDeserialize(bytes),
        responseSerialize: (value: unknown) => real(service).method.responseSerialize(value),
        responseDeserialize: (bytes: Buffer): unknown => real(service).method.responseDeserialize(bytes),
      },
    };
    const implementation: UntypedServiceImplementation = {
      [reflectionMethod]: ((...args: unknown[]) =>
        (real(service).handler as (...a: unknown[]) => void)(...args)) as UntypedServiceImplementation[string],
    };
    server.addService(definition, implementation);
  }
}
