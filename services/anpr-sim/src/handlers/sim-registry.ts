/**
 * The {@link SimRegistry} the handlers use, backed by the seeded population and the certification
 * rules of the domain: it maps the SOAP-level request to the domain's, renders the PDF, and maps a
 * person to the Risposta3002 shape. Refusals stay domain errors carrying their ANPR code.
 */
import { DomainError } from "#shared/runtime/domain-error.js";
import { issueCertificate } from "../domain/certification.js";
import { renderCertificatePdf } from "../domain/certificate-pdf.js";
import type { Person, Population } from "../domain/population.js";
import type { AnswerPerson } from "../soap/answers.js";
import type { SimRegistry } from "./anpr-sim-handlers.js";

/** Options for {@link createSimRegistry}. */
export interface SimRegistryOptions {
  population: Population;
  /** Base of the contrassegno verification URL printed in the QR code. */
  verificationBaseUrl?: string;
  now?: () => Date;
}

/** A refusal of the individual-record service, with ANPR's code. */
class RecordRefusal extends DomainError {
  constructor(code: string, text: string, kind: "not-found" | "precondition-failed") {
    super(kind, text, { reason: "ANPR_ERROR", metadata: { anprCode: code, anprType: "E" } });
  }
}

function toAnswerPerson(population: Population, person: Person): AnswerPerson {
  const current = person.residenceHistory.find((r) => r.until === undefined);
  const household = person.familyId ? population.household(person.familyId) : undefined;
  const answer: AnswerPerson = {
    idAnpr: person.idAnpr,
    fiscalCode: person.fiscalCode,
    surname: person.surname,
    name: person.name,
    sex: person.sex,
    birthDate: person.birthDate,
    birthPlace:
      person.birthPlace.kind === "comune"
        ? {
            comuneName: person.birthPlace.name,
            istatCode: person.birthPlace.istatCode,
            province: person.birthPlace.province,
          }
        : {
            foreignLocality: person.birthPlace.locality ?? person.birthPlace.stateName,
            stateName: person.birthPlace.stateName,
            stateCode: person.birthPlace.stateCode,
          },
    civilStatusCode: String(person.civilStatus),
    citizenships: person.citizenships.map((c) => ({ code: c.stateCode, description: c.stateName })),
  };
  if (current && person.status.kind === "resident") {
    const a = current.address;
    answer.residence = {
      postcode: a.postcode,
      comuneName: a.comuneName,
      istatCode: a.comuneIstatCode,
      province: a.province,
      streetType: a.streetType,
      streetName: a.streetName,
      houseNumber: a.houseNumber,
      since: current.since,
    };
  }
  if (household && person.relationship !== undefined) {
    answer.family = { idAnpr: household.id, relationshipCode: String(person.relationship), since: household.formedOn };
  }
  if (person.status.kind === "deceased") answer.deathDate = person.status.deathDate;
  return answer;
}

/** Creates the registry. */
export function createSimRegistry(options: SimRegistryOptions): SimRegistry {
  const { population } = options;
  return {
    async issueCertificate(request) {
      const result = issueCertificate(population, {
        comuneCode: request.comuneCode,
        subject: request.subject,
        certificateTypes: request.certificateTypes,
        languages: request.languages,
        useAbroad: request.useAbroad !== 0,
        emissione: request.issuance,
        stampDuty:
          "paidCents" in request.stampDuty
            ? { kind: "paid", amountCents: request.stampDuty.paidCents }
            : {
                kind: "exempt",
                exemptionId: request.stampDuty.exemption,
                ...(request.stampDuty.exemptionText ? { description: request.stampDuty.exemptionText } : {}),
              },
        secretariatFeesCents: request.feesCents,
        officer: request.officer,
        issuedAt: request.issuedAt.toISOString(),
        protocolNumber: request.protocolNumber,
      });
      const pdf = await renderCertificatePdf(
        result.content,
        options.verificationBaseUrl ? { verificationBaseUrl: options.verificationBaseUrl } : {},
      );
      return {
        pdf,
        subject: { fiscalCode: result.subject.fiscalCode, surname: result.subject.surname, name: result.subject.name },
        warnings: result.warnings.map((w) => ({ code: w.code, severity: w.type, text: w.text })),
      };
    },

    individualRecord(request) {
      let person: Person | undefined;
      if (request.fiscalCode) {
        person = population.byFiscalCode(request.fiscalCode.toUpperCase());
        if (!person)
          throw new RecordRefusal(
            "EN042",
            `Soggetto con codice fiscale ${request.fiscalCode} non presente in ANPR`,
            "not-found",
          );
      } else {
        const lookup = population.findSubject({
          surname: request.surname ?? "",
          name: request.name ?? "",
          comuneCode: request.comuneCode,
        });
        if (lookup.kind === "ambiguous")
          throw new RecordRefusal(
            "EN067",
            "Trovati piu' soggetti con i criteri di ricerca indicati: specificare il codice fiscale",
            "precondition-failed",
          );
        if (lookup.kind !== "found")
          throw new RecordRefusal(
            "EN042",
            "Soggetto non presente in ANPR con i criteri di ricerca indicati",
            "not-found",
          );
        person = lookup.person;
      }
      if (person.comuneIstatCode !== request.comuneCode) {
        throw new RecordRefusal(
          "EN167",
          "Operazione non effettuabile: il mittente non e' competente sul comune indicato nella richiesta",
          "precondition-failed",
        );
      }
      const family = person.familyId ? population.householdMembers(person.familyId).filter((m) => m !== person) : [];
      return { people: [person, ...family].map((p) => toAnswerPerson(population, p)) };
    },
  };
}
