/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha, served by @grpc/reflection), fed from the
 * descriptor set `buf build` writes to gen/descriptors.binpb. That set keeps the source comments,
 * which the descriptors embedded in protobuf-es code drop, so `grpcurl describe` shows each rpc's
 * contract. Only the files that declare the registered services and their transitive imports are
 * served.
 */
import { readFileSync } from "node:fs";
import type { Server } from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { fromBinary, toBinary, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";

/** The descriptor set generated next to the code (`npm run generate`). */
export const defaultDescriptorSetUrl = new URL("../../../gen/descriptors.binpb", import.meta.url);

/** Options for {@link addReflection}. */
export interface ReflectionOptions {
  /** The services to describe (health and reflection itself included by the caller if wanted). */
  services: readonly DescService[];
  /** A serialized google.protobuf.FileDescriptorSet; defaults to gen/descriptors.binpb. */
  descriptorSet?: Uint8Array;
}

/**
 * The serialized FileDescriptorProtos of the files declaring `services` and of all their
 * transitive imports, taken from `descriptorSet` (with comments) and falling back to the
 * protobuf-es embedded descriptors (without comments) for any file the set lacks.
 */
export function collectFileDescriptors(services: readonly DescService[], descriptorSet?: Uint8Array): Uint8Array[] {
  const fromSet = new Map<string, FileDescriptorProto>();
  if (descriptorSet) {
    for (const file of fromBinary(FileDescriptorSetSchema, descriptorSet).file) fromSet.set(file.name, file);
  }
  const seen = new Map<string, Uint8Array>();
  const visit = (file: DescService["file"]) => {
    const name = `${file.name}.proto`;
    if (seen.has(name)) return;
    seen.set(name, toBinary(FileDescriptorProtoSchema, fromSet.get(name) ?? file.proto));
    for (const dependency of file.dependencies) visit(dependency);
  };
  for (const service of services) visit(service.file);
  return [...seen.values()];
}

/** Adds server reflection describing `options.services` to `server`. */
export function addReflection(server: Server, options: ReflectionOptions): void {
  const descriptorSet = options.descriptorSet ?? readFileSync(defaultDescriptorSetUrl);
  const fileDescriptorProtos = collectFileDescriptors(options.services, descriptorSet).map((bytes) => Buffer.from(bytes));
  // @grpc/reflection reads only `fileDescriptorProtos` from each package-definition entry.
  const packageDefinition = {
    "novabox.reflection.files": { format: "Protocol Buffer 3 DescriptorProto", type: {}, fileDescriptorProtos },
  };
  new ReflectionService(packageDefinition as never, { services: options.services.map((s) => s.typeName) }).addToServer(server);
}
