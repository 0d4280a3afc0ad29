/**
 * Domain ⇄ wire for the DiscoveryService: instances, events, page tokens and the caller's address.
 */
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  InstanceEventType,
  InstanceHealth,
  type InstanceEventSchema,
  type InstanceSchema,
} from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { InvalidDiscoveryInputError } from "../domain/errors.js";
import type { Instance, InstanceEvent } from "../domain/model.js";

const healthToWire = {
  serving: InstanceHealth.SERVING,
  "not-serving": InstanceHealth.NOT_SERVING,
  unknown: InstanceHealth.UNKNOWN,
} as const;

const eventTypeToWire = {
  added: InstanceEventType.ADDED,
  updated: InstanceEventType.UPDATED,
  removed: InstanceEventType.REMOVED,
} as const;

/** A domain instance as a `novares.discovery.v1.Instance`. */
export function instanceToWire(instance: Instance): MessageInitShape<typeof InstanceSchema> {
  return {
    instanceId: instance.instanceId,
    comuneCode: instance.comuneCode,
    comuneName: instance.comuneName,
    workstationCode: instance.workstationCode,
    host: instance.host,
    port: instance.port,
    version: instance.version,
    healthReason: instance.healthReason ?? "",
    health: healthToWire[instance.health],
    ...(instance.lastAnnouncedAt ? { lastAnnouncedAt: timestampFromDate(instance.lastAnnouncedAt) } : {}),
    ...(instance.registeredAt ? { registeredAt: timestampFromDate(instance.registeredAt) } : {}),
    ...(instance.expiresAt ? { expiresAt: timestampFromDate(instance.expiresAt) } : {}),
  };
}

/** A domain event as a `novares.discovery.v1.InstanceEvent`. */
export function eventToWire(event: InstanceEvent): MessageInitShape<typeof InstanceEventSchema> {
  return {
    type: eventTypeToWire[event.type],
    instance: instanceToWire(event.instance),
    time: timestampFromDate(event.time),
  };
}

/** Milliseconds as a google.protobuf.Duration. */
export const durationOf = durationFromMs;

/** Encodes a ListInstances position as an opaque page token. */
export function encodePageToken(key: { comuneCode: string; instanceId: string }): string {
  return Buffer.from(JSON.stringify([key.comuneCode, key.instanceId])).toString("base64url");
}

/** Decodes a page token of {@link encodePageToken}; throws INVALID_ARGUMENT naming `page_token`. */
export function decodePageToken(token: string): { comuneCode: string; instanceId: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "string" &&
      typeof parsed[1] === "string"
    ) {
      return { comuneCode: parsed[0], instanceId: parsed[1] };
    }
  } catch {
    // reported below
  }
  throw new InvalidDiscoveryInputError(
    "page_token",
    "page_token is not a token returned by ListInstances: pass next_page_token unchanged, or empty for the first page",
    "INVALID_PAGE_TOKEN",
  );
}

/**
 * The host part of a grpc-js peer string (`ipv4:1.2.3.4:5`, `ipv6:[::1]:5`, `1.2.3.4:5`), used when
 * a box announces an empty host; undefined when the peer is not an IP endpoint.
 */
export function hostOfPeer(peer: string): string | undefined {
  const bare = peer.replace(/^ipv[46]:/, "");
  const v6 = /^\[([^\]]+)\]:\d+$/.exec(bare);
  if (v6) return v6[1]!.replace(/^::ffff:/, "");
  const v4 = /^([^:]+):\d+$/.exec(bare);
  return v4 ? v4[1] : undefined;
}
