/**
 * Domain ⇄ wire for the DiscoveryService: instances, events, page tokens and the caller's address.
 */
import { durationFromMs, timestampFromDate, type TimestampSchema } from "@bufbuild/protobuf/wkt";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  InstanceEventType,
  InstanceHealth,
  type InstanceEventSchema,
  type InstanceSchema,
  type ListInstancesResponseSchema,
} from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { AuditWitnessSummarySchema } from "#gen/novares/witness/v1/witness_service_pb.js";
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

/**
 * A ListInstancesResponse in protobuf binary, written field by field into one buffer: the bytes
 * `toBinary` writes (fields in declaration order, proto3 defaults left out, timestamps and the
 * witness summary as embedded messages; https://protobuf.dev/programming-guides/encoding/), without
 * its per-field reflection and per-string TextEncoder calls, which for a page of 5,000 instances
 * were most of the time a router joining a national directory took to serve its first full listing
 * (bench/directory-scale). `handlers-discovery-wire.test.ts` checks it byte for byte against `toBinary`.
 */
export function encodeListInstancesResponse(
  response: MessageInitShape<typeof ListInstancesResponseSchema>,
): Uint8Array {
  const out = new WireOut();
  for (const instance of response.instances ?? []) {
    const fields = instanceFields(instance);
    out.tag(1, lengthDelimited);
    out.varint(fields.size);
    writeInstanceFields(out, instance, fields);
  }
  if (response.nextPageToken) out.text(2, response.nextPageToken, Buffer.byteLength(response.nextPageToken));
  return out.finish();
}

const varintType = 0;
const lengthDelimited = 2;

/** Bytes of `value` as a varint (a non-negative integer below 2^64). */
function varintLength(value: number | bigint): number {
  if (typeof value === "number" && value < 2 ** 53) {
    let n = 1;
    for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
    return n;
  }
  let n = 1;
  for (let v = BigInt(value); v >= 0x80n; v >>= 7n) n++;
  return n;
}

/** An int64/int32 as the unsigned 64-bit value its varint carries (two's complement when negative). */
const unsigned64 = (value: number | bigint): number | bigint => (value < 0 ? BigInt.asUintN(64, BigInt(value)) : value);

const tagLength = (field: number) => varintLength(field * 8);

/** What writing an instance needs measured first: its strings' UTF-8 lengths and its size. */
interface InstanceFields {
  size: number;
  texts: number[];
  timestamps: (number | undefined)[];
  witness: Uint8Array | undefined;
}

const textFields = [
  [1, "instanceId"],
  [2, "comuneCode"],
  [3, "comuneName"],
  [4, "workstationCode"],
  [5, "host"],
  [7, "version"],
  [70, "healthReason"],
] as const;
const timestampFields = [
  [9, "lastAnnouncedAt"],
  [10, "registeredAt"],
  [11, "expiresAt"],
] as const;

type TimestampInit = MessageInitShape<typeof TimestampSchema>;

function timestampLength(value: TimestampInit): number {
  let size = 0;
  if (value.seconds) size += 1 + varintLength(unsigned64(value.seconds));
  if (value.nanos) size += 1 + varintLength(unsigned64(value.nanos));
  return size;
}

function instanceFields(instance: MessageInitShape<typeof InstanceSchema>): InstanceFields {
  let size = 0;
  const texts = textFields.map(([field, key]) => {
    const value = instance[key];
    if (!value) return 0;
    const length = Buffer.byteLength(value);
    size += tagLength(field) + varintLength(length) + length;
    return length;
  });
  if (instance.port) size += 1 + varintLength(instance.port);
  if (instance.health) size += 1 + varintLength(unsigned64(instance.health));
  const timestamps = timestampFields.map(([, key]) => {
    const value = instance[key];
    if (value === undefined) return undefined;
    const length = timestampLength(value);
    size += 1 + varintLength(length) + length;
    return length;
  });
  const witness = instance.auditWitness
    ? toBinary(AuditWitnessSummarySchema, create(AuditWitnessSummarySchema, instance.auditWitness))
    : undefined;
  if (witness) size += tagLength(60) + varintLength(witness.length) + witness.length;
  return { size, texts, timestamps, witness };
}

function writeInstanceFields(
  out: WireOut,
  instance: MessageInitShape<typeof InstanceSchema>,
  fields: InstanceFields,
): void {
  const text = (k: number) => {
    const [field, key] = textFields[k]!;
    if (fields.texts[k]) out.text(field, instance[key]!, fields.texts[k]);
  };
  const timestamp = (k: number) => {
    const [field, key] = timestampFields[k]!;
    const value = instance[key];
    if (value === undefined) return;
    out.tag(field, lengthDelimited);
    out.varint(fields.timestamps[k]!);
    if (value.seconds) {
      out.tag(1, varintType);
      out.varint(unsigned64(value.seconds));
    }
    if (value.nanos) {
      out.tag(2, varintType);
      out.varint(unsigned64(value.nanos));
    }
  };
  for (let k = 0; k < 5; k++) text(k);
  if (instance.port) {
    out.tag(6, varintType);
    out.varint(instance.port);
  }
  text(5);
  if (instance.health) {
    out.tag(8, varintType);
    out.varint(unsigned64(instance.health));
  }
  for (let k = 0; k < 3; k++) timestamp(k);
  if (fields.witness) {
    out.tag(60, lengthDelimited);
    out.varint(fields.witness.length);
    out.bytes(fields.witness);
  }
  text(6);
}

/** A growing buffer written front to back. */
class WireOut {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private length = 0;

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  varint(value: number | bigint): void {
    this.room(10);
    if (typeof value === "number" && value < 2 ** 53) {
      let v = value;
      while (v >= 0x80) {
        this.buffer[this.length++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.buffer[this.length++] = v;
      return;
    }
    let v = BigInt(value);
    while (v >= 0x80n) {
      this.buffer[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buffer[this.length++] = Number(v);
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  text(field: number, value: string, byteLength: number): void {
    this.tag(field, lengthDelimited);
    this.varint(byteLength);
    this.room(byteLength);
    this.length += this.buffer.write(value, this.length, byteLength, "utf8");
  }

  bytes(value: Uint8Array): void {
    this.room(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
