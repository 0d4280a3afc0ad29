import { describe, expect, it } from "@jest/globals";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { IssueCertificateRequestSchema } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { GetIndividualRecordRequestSchema } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { MalformedRequestError, readStringField, withStringField } from "../src/domain/request-fields.js";

const issue = (init: Parameters<typeof create<typeof IssueCertificateRequestSchema>>[1]) =>
  Buffer.from(toBinary(IssueCertificateRequestSchema, create(IssueCertificateRequestSchema, init)));

describe("reading routing fields from the wire", () => {
  it("reads comune_code and idempotency_key of a full request, whatever fields surround them", () => {
    const bytes = issue({
      comuneCode: "022205",
      tobacconistId: "TAB-0001",
      idempotencyKey: "k-1",
      subject: { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" },
      certificateTypes: [8, 12],
    });
    expect(readStringField(bytes, 1)).toBe("022205");
    expect(readStringField(bytes, 3)).toBe("k-1");
    expect(
      readStringField(
        Buffer.from(
          toBinary(
            GetIndividualRecordRequestSchema,
            create(GetIndividualRecordRequestSchema, { comuneCode: "022161", fiscalCode: "X" }),
          ),
        ),
        1,
      ),
    ).toBe("022161");
  });

  it("answers undefined for an absent field, and takes the last occurrence as protobuf does", () => {
    expect(readStringField(issue({ tobacconistId: "TAB-0001" }), 1)).toBeUndefined();
    const twice = withStringField(issue({ comuneCode: "099999", idempotencyKey: "k" }), 1, "022205");
    expect(readStringField(twice, 1)).toBe("022205");
  });

  it("fills field 1 so the box decodes it, leaving every other field as sent", () => {
    const original = issue({ tobacconistId: "TAB-0001", idempotencyKey: "k-2", certificateTypes: [8] });
    const decoded = fromBinary(IssueCertificateRequestSchema, withStringField(original, 1, "022205"));
    expect(decoded).toMatchObject({
      comuneCode: "022205",
      tobacconistId: "TAB-0001",
      idempotencyKey: "k-2",
      certificateTypes: [8],
    });
  });

  it("refuses broken encodings instead of guessing", () => {
    expect(() => readStringField(Buffer.from([0x0a, 0x10, 0x30]), 1)).toThrow(MalformedRequestError);
    expect(() => readStringField(Buffer.from([0x08]), 1)).toThrow(MalformedRequestError);
    expect(() => readStringField(Buffer.from([0x08, 0x01]), 1)).toThrow("field 1 is not a string");
    expect(() => readStringField(Buffer.from([0x0b]), 1)).toThrow("unsupported wire type 3");
  });
});
