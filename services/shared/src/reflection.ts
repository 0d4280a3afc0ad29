/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha, served by @grpc/reflection), fed from the
 * descriptor set `buf build` writes to gen/descriptors.binpb. That set keeps the source comments,
 * which the descriptors embedded in protobuf-es code drop, so `grpcurl describe` shows each rpc's
 * contract. Served: the files that declare the registered services, the files of every message that
 * can travel in a status's details ({@link statusDetailFiles}: google.rpc.Status, ErrorInfo,
 * BadRequest and the other google.rpc details, novabox.common.v1.AnprErrorDetails), and their
 * transitive imports. Without the detail types grpcurl prints "google.rpc.BadRequest is not
 * recognized" instead of the field at fault or the ANPR code.
 */
import { readFileSync } from "node:fs";
import type { Server } from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
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
export const statusDetailFiles: readonly DescFile[] = [file_google_rpc_status, file_google_rpc_error_details, file_novabox_common_v1_anpr];

/** The descriptor set generated next to the code (`npm run generate`). */
export const defaultDescriptorSetUrl = new URL("../../../gen/descriptors.binpb", import.meta.url);

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
export function collectFileDescriptorProtos(services: readonly DescService[], descriptorSet?: Uint8Array, extraFiles: readonly DescFile[] = statusDetailFiles): FileDescriptorProto[] {
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
export function collectFileDescriptors(services: readonly DescService[], descriptorSet?: Uint8Array, extraFiles: readonly DescFile[] = statusDetailFiles): Uint8Array[] {
  return collectFileDescriptorProtos(services, descriptorSet, extraFiles).map((file) => toBinary(FileDescriptorProtoSchema, file));
}

/** Adds server reflection describing `options.services` to `server`. */
export function addReflection(server: Server, options: ReflectionOptions): void {
  const descriptorSet = options.descriptorSet ?? readFileSync(defaultDescriptorSetUrl);
  const fileDescriptorProtos = collectFileDescriptors(options.services, descriptorSet, options.extraFiles).map((bytes) => Buffer.from(bytes));
  // @grpc/reflection reads only `fileDescriptorProtos` from each package-definition entry.
  const packageDefinition = {
    "novabox.reflection.files": { format: "Protocol Buffer 3 DescriptorProto", type: {}, fileDescriptorProtos },
  };
  new ReflectionService(packageDefinition as never, { services: options.services.map((s) => s.typeName) }).addToServer(server);
}
