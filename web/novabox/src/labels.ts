/** Italian labels for the ConfigService enums. */
import {
  AnprEnvironment,
  AuditOperation,
  AuditOutcome,
  ConnectionTestStage,
} from "#gen/novabox/config/v1/config_service_pb.js";

export const environmentLabels: [AnprEnvironment, string][] = [
  [AnprEnvironment.TEST, "Test (collaudo)"],
  [AnprEnvironment.PRE, "Pre-produzione"],
  [AnprEnvironment.PROD, "Produzione"],
];

export function environmentLabel(env: AnprEnvironment): string {
  return environmentLabels.find(([e]) => e === env)?.[1] ?? "non impostato";
}

export const operationLabels: Record<AuditOperation, string> = {
  [AuditOperation.UNSPECIFIED]: "—",
  [AuditOperation.CERTIFICATE_TYPES_LIST]: "Elenco certificati",
  [AuditOperation.CERTIFICATE_PREVIEW]: "Anteprima certificato",
  [AuditOperation.CERTIFICATE_ISSUE]: "Emissione certificato",
  [AuditOperation.INDIVIDUAL_RECORD]: "Scheda individuale",
  [AuditOperation.ADMIN_REGISTER]: "Creazione amministratore",
  [AuditOperation.ADMIN_LOGIN]: "Accesso amministratore",
  [AuditOperation.PASSWORD_CHANGE]: "Cambio password",
  [AuditOperation.CONFIG_UPDATE]: "Modifica configurazione",
  [AuditOperation.CA_CERTIFICATE_UPLOAD]: "Caricamento certificato CA",
  [AuditOperation.WORKSTATION_CERTIFICATE_UPLOAD]: "Caricamento certificato postazione",
  [AuditOperation.ANPR_CONNECTION_TEST]: "Verifica collegamento ANPR",
  [AuditOperation.AUDIT_EXPORT]: "Esportazione registro",
  [AuditOperation.AUDIT_VERIFY]: "Verifica integrità registro",
  [AuditOperation.RETENTION_PURGE]: "Pulizia per conservazione",
  [AuditOperation.ANOMALY_ALERT]: "Segnalazione anomalia",
  [AuditOperation.AUDIT_CHAIN_MIGRATION]: "Migrazione catena registro",
  [AuditOperation.BACKUP]: "Backup",
  [AuditOperation.RESTORE]: "Ripristino da backup",
  [AuditOperation.NOVARES_CONNECTION_TEST]: "Verifica collegamento Novares",
};

export const outcomeLabels: Record<AuditOutcome, [string, "ok" | "warn" | "bad"]> = {
  [AuditOutcome.UNSPECIFIED]: ["—", "warn"],
  [AuditOutcome.SUCCESS]: ["Riuscita", "ok"],
  [AuditOutcome.ANPR_ERROR]: ["Errore ANPR", "bad"],
  [AuditOutcome.INVALID]: ["Dati non validi", "warn"],
  [AuditOutcome.DENIED]: ["Negata", "bad"],
  [AuditOutcome.RATE_LIMITED]: ["Limite superato", "warn"],
  [AuditOutcome.FAILED]: ["Non riuscita", "bad"],
  [AuditOutcome.OUTCOME_UNKNOWN]: ["Esito ignoto", "warn"],
  [AuditOutcome.RECOVERED]: ["Esito recuperato", "ok"],
};

export const stageLabels: Record<ConnectionTestStage, string> = {
  [ConnectionTestStage.UNSPECIFIED]: "—",
  [ConnectionTestStage.CONFIGURATION]: "configurazione incompleta",
  [ConnectionTestStage.NETWORK]: "rete (ANPR non raggiungibile)",
  [ConnectionTestStage.TLS]: "connessione sicura (TLS)",
  [ConnectionTestStage.SOAP]: "scambio SOAP",
  [ConnectionTestStage.ANPR]: "risposta di ANPR",
};
