/**
 * The router bench's yardstick: the least a grpc-js proxy can do — a server on pass-through
 * serializers that sends every unary call of the Certification and Consultation services to one
 * fixed box over the same mutual TLS, with `authorization` and the deadline, and relays the answer
 * or the status. No routing table, no field read, no logging, no metrics. Run as its own process
 * (`node --import tsx bench/support/bare-proxy.ts <meshPkiDir> <boxAddress>`) so /proc shows its CPU;
 * prints `{"port":N}` once it listens.
 */
import {
  Client,
  Metadata,
  Server,
  type sendUnaryData,
  type ServerUnaryCall,
  type UntypedHandleCall,
} from "@grpc/grpc-js";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { createPassThroughServiceDefinition, grpcMethodPath } from "#shared/rpc/grpc-adapter.js";
import { meshCredentials } from "#shared/dev-pki/mesh-pki.js";

const [meshDir, boxAddress] = process.argv.slice(2);
if (!meshDir || !boxAddress) throw new Error("usage: bare-proxy.ts <meshPkiDir> <boxAddress>");
const identity = (b: Buffer) => b;
const box = new Client(boxAddress, meshCredentials(meshDir, "router").client);
const server = new Server();
for (const service of [CertificationService, ConsultationService]) {
  const handlers: Record<string, UntypedHandleCall> = {};
  for (const method of service.methods) {
    const path = grpcMethodPath(method);
    handlers[method.name] = ((call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const metadata = new Metadata();
      for (const value of call.metadata.get("authorization")) metadata.add("authorization", value);
      const outgoing = box.makeUnaryRequest(
        path,
        identity,
        identity,
        call.request,
        metadata,
        { deadline: call.getDeadline() },
        (err, answer) => (err ? callback(err) : callback(null, answer)),
      );
      call.once("cancelled", () => outgoing.cancel());
    }) as UntypedHandleCall;
  }
  server.addService(createPassThroughServiceDefinition(service), handlers);
}
server.bindAsync("127.0.0.1:0", meshCredentials(meshDir, "router").server, (err, port) => {
  if (err) throw err;
  console.log(JSON.stringify({ port }));
});
process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
