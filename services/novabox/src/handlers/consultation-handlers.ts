/** novabox.consultation.v1.ConsultationService: the individual record, mapped to the structured message. */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConsultationService as ConsultationServiceDesc } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { HouseholdKind, Sex } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import type { ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import type { CallFacts } from "#shared/runtime/observability.js";
import { civilStatusDescription, RELATIONSHIPS } from "#shared/anpr/tables.js";
import type { PersonRecord, Place } from "../domain/model.js";
import type { ConsultationService } from "../domain/consultation-service.js";
import { anprMessages, tobacconistCaller } from "./tobacconist-calls.js";

/** Options for {@link createConsultationHandlers}. */
export interface ConsultationHandlersOptions {
  consultation: ConsultationService;
  /** Attaches the call's Comune and tobacconist to its span and access-log line (observability.ts). */
  annotate?: (facts: CallFacts) => void;
}

function calendarDate(iso: string | undefined) {
  if (!iso) return undefined;
  const [year = 0, month = 0, day = 0] = iso.split("-").map(Number);
  return { year, month, day };
}

function place(p: Place | undefined) {
  if (!p) return undefined;
  if (p.comuneName)
    return {
      place: {
        case: "comune" as const,
        value: { istatCode: p.comuneIstatCode ?? "", name: p.comuneName, province: p.province ?? "" },
      },
    };
  return {
    place: { case: "foreign" as const, value: { stateCode: "", stateName: "", locality: p.foreignLocality ?? "" } },
  };
}

const sex = (s: PersonRecord["sex"]) => (s === "M" ? Sex.MALE : s === "F" ? Sex.FEMALE : Sex.UNKNOWN);

function relationshipDescription(code: string | undefined): string {
  if (!code) return "";
  return (RELATIONSHIPS as Readonly<Record<string, string>>)[code] ?? "";
}

/** Creates the ConsultationService handlers. */
export function createConsultationHandlers(
  options: ConsultationHandlersOptions,
): ServiceImpl<typeof ConsultationServiceDesc> {
  return {
    async getIndividualRecord(request, context) {
      options.annotate?.({ comune: request.comuneCode });
      const caller = tobacconistCaller(context, request.tobacconistId);
      options.annotate?.({ tobacconist: caller.tobacconistId });
      const result = await options.consultation.getIndividualRecord(request.fiscalCode, caller, request.comuneCode);
      const s = result.subject;
      const civil = s.civilStatusCode ? Number(s.civilStatusCode) : undefined;
      const r = s.residence;
      return {
        record: {
          idAnpr: s.idAnpr ?? "",
          fiscalCode: s.fiscalCode ?? "",
          surname: s.surname,
          name: s.name,
          sex: sex(s.sex),
          birth: { date: calendarDate(s.birthDate), place: place(s.birthPlace) },
          citizenships: s.citizenships.map((c) => ({ stateCode: c.code, stateName: c.description })),
          ...(civil === undefined
            ? {}
            : { civilStatus: { code: civil, description: civilStatusDescription(civil) ?? "" } }),
          ...(r
            ? {
                residence: {
                  address: {
                    case: "italian" as const,
                    value: {
                      postcode: r.postcode,
                      comune: {
                        istatCode: r.comune.comuneIstatCode ?? "",
                        name: r.comune.comuneName ?? "",
                        province: r.comune.province ?? "",
                      },
                      fraction: r.fraction ?? "",
                      streetType: r.streetType ?? "",
                      streetName: r.streetName ?? "",
                      houseNumber: { number: r.houseNumber ?? "" },
                    },
                  },
                },
              }
            : {}),
          ...(s.familyId
            ? {
                household: {
                  kind: HouseholdKind.FAMILY,
                  anprHouseholdId: s.familyId,
                  members: [s, ...result.familyMembers].map((m, i) => ({
                    fiscalCode: m.fiscalCode ?? "",
                    surname: m.surname,
                    name: m.name,
                    sex: sex(m.sex),
                    birthDate: calendarDate(m.birthDate),
                    relationshipCode: Number(m.relationshipCode ?? 0),
                    relationshipDescription: relationshipDescription(m.relationshipCode),
                    position: i + 1,
                  })),
                },
              }
            : {}),
        },
        warnings: anprMessages(result.warnings),
        anprOperationId: result.anprOperationId,
        requestId: result.requestId,
        retrievedAt: timestampFromDate(result.retrievedAt),
      };
    },
  };
}
