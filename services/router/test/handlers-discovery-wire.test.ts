import { describe, expect, it } from "@jest/globals";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  InstanceHealth,
  InstanceSchema,
  ListInstancesResponseSchema,
} from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { AuditWitnessSummarySchema, WitnessState } from "#gen/novares/witness/v1/witness_service_pb.js";
import { encodeListInstancesResponse } from "../src/handlers/discovery-mappers.js";

type Page = MessageInitShape<typeof ListInstancesResponseSchema>;

const full = {
  instanceId: "novabox-022205-post-1-0a1b2c3d",
  comuneCode: "022205",
  comuneName: "Trento — Città",
  workstationCode: "POST-1",
  host: "box-1.trento.example",
  port: 50_051,
  version: "1.4.2",
  health: InstanceHealth.NOT_SERVING,
  lastAnnouncedAt: timestampFromDate(new Date("2026-11-30T20:00:01.123Z")),
  registeredAt: timestampFromDate(new Date("1969-12-31T23:59:59.5Z")),
  expiresAt: create(InstanceSchema).registeredAt ?? { seconds: 0n, nanos: 0 },
  auditWitness: create(AuditWitnessSummarySchema, {
    state: WitnessState.NONE,
    lastWitnessedAt: timestampFromDate(new Date("2026-11-30T19:00:00Z")),
    lastId: 12_345_678_901n,
    highestId: 2n ** 63n,
    reason: "no checkpoint yet",
  }),
  healthReason: "ANPR unreachable",
};

const cases: [string, Page][] = [
  ["an empty last page", { instances: [], nextPageToken: "" }],
  [
    "instances with every field, with proto3 defaults, and a next page token",
    {
      instances: [
        create(InstanceSchema, full),
        create(InstanceSchema, { instanceId: "novabox-001001-a-00000000", health: InstanceHealth.UNKNOWN }),
        create(InstanceSchema, { ...full, auditWitness: undefined, health: InstanceHealth.SERVING, healthReason: "" }),
      ],
      nextPageToken: "WyIwMjIyMDUiLCJub3ZhYm94Il0",
    },
  ],
  ["initialisers rather than messages", { instances: [full, { comuneCode: "058091" }], nextPageToken: "x" }],
];

describe("ListInstancesResponse encoding", () => {
  it.each(cases)("writes the bytes toBinary writes: %s", (_name, page) => {
    const expected = toBinary(ListInstancesResponseSchema, create(ListInstancesResponseSchema, page));
    const written = encodeListInstancesResponse(page);
    expect(Buffer.from(written).toString("hex")).toBe(Buffer.from(expected).toString("hex"));
    expect(fromBinary(ListInstancesResponseSchema, written)).toEqual(fromBinary(ListInstancesResponseSchema, expected));
  });
});
