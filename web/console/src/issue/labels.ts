/** Italian labels for the issuing form. */
import {
  CertificateLanguage,
  RequestReason,
  StampDutyExemptionReason,
} from "#gen/novabox/certification/v1/certification_service_pb.js";

/** Why the citizen asks for the certificate (motivo; agreement art. 2.1). */
export const requestReasons: [RequestReason, string][] = [
  [RequestReason.PRIVATE_CONTRACT, "Contratti e pratiche private"],
  [RequestReason.BANK_INSURANCE, "Banca, assicurazione, finanziamento"],
  [RequestReason.NOTARY, "Atto notarile"],
  [RequestReason.LEGAL, "Uso legale"],
  [RequestReason.INHERITANCE, "Successione"],
  [RequestReason.ABROAD, "Uso all'estero"],
  [RequestReason.OTHER, "Altro motivo"],
];

export const exemptionReasons: [StampDutyExemptionReason, string][] = [
  [StampDutyExemptionReason.ONLUS, "ONLUS"],
  [StampDutyExemptionReason.SPORTS_CLUB, "Società sportive dilettantistiche"],
  [StampDutyExemptionReason.COURT_PROCEEDINGS, "Procedimenti giudiziari"],
  [StampDutyExemptionReason.COURT_EXPERT_OR_RECEIVER, "Consulente tecnico o curatore"],
  [StampDutyExemptionReason.LEGAL_CAPACITY_PROCEEDINGS, "Interdizione, inabilitazione, amministrazione di sostegno"],
  [StampDutyExemptionReason.ADOPTION_FOSTERING_GUARDIANSHIP, "Adozione, affidamento, tutela di minori"],
  [StampDutyExemptionReason.SEPARATION_DIVORCE, "Separazione o divorzio"],
  [StampDutyExemptionReason.STREET_RENAMING, "Cambio di denominazione della via"],
  [StampDutyExemptionReason.FOREIGN_PENSION, "Pensioni all'estero"],
  [StampDutyExemptionReason.PUBLIC_ADMINISTRATIONS, "Uso presso pubbliche amministrazioni"],
  [StampDutyExemptionReason.OTHER, "Altro motivo di legge"],
];

export const languageLabels: [CertificateLanguage, string][] = [
  [CertificateLanguage.IT, "Italiano"],
  [CertificateLanguage.DE, "Italiano e tedesco"],
  [CertificateLanguage.FR, "Italiano e francese"],
  [CertificateLanguage.SL, "Italiano e sloveno"],
];
