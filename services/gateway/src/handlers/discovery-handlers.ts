/**
 * novares.discovery.v1.DiscoveryService at the gateway: a read-only view of the mesh for the
 * Novares console. ListInstances, ResolveComune and WatchInstances are forwarded to the router and
 * need no SSO token (the view holds which Comuni are connected and their health, no personal data;
 * a token that comes along is neither required nor forwarded). Announce and Withdraw are refused:
 * boxes announce themselves to the router over mutual TLS, never through the browsers' door.
 */
import type { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import type { GrpcClient, ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import { AnnouncementNotAllowedError } from "../domain/errors.js";
import { forwardOptions } from "./forwarding.js";

/** Options of {@link createDiscoveryHandlers}. */
export interface DiscoveryHandlersOptions {
  /** The router's DiscoveryService client. */
  router: GrpcClient<typeof DiscoveryService>;
}

/** Creates the read-only DiscoveryService handlers. */
export function createDiscoveryHandlers(options: DiscoveryHandlersOptions): ServiceImpl<typeof DiscoveryService> {
  const { router } = options;
  return {
    announce() {
      throw new AnnouncementNotAllowedError();
    },
    withdraw() {
      throw new AnnouncementNotAllowedError();
    },
    listInstances: (request, context) =>
      router.listInstances(request, forwardOptions(context, { withAuthorization: false })),
    resolveComune: (request, context) =>
      router.resolveComune(request, forwardOptions(context, { withAuthorization: false })),
    watchInstances: (request, context) =>
      router.watchInstances(request, forwardOptions(context, { withAuthorization: false })),
  };
}
