/**
 * One row per announced box: comune, workstation, version, health (and why not serving, as the box
 * says), last announcement, and its audit log as the router witnessed it: when a checkpoint was last
 * witnessed and whether the log still agrees with the earlier ones (and why not).
 */
import type { JSX } from "solid-js";
import type { Instance } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { healthLabels } from "./health.ts";
import { witnessLabels } from "./witness.ts";
import { WitnessState } from "#gen/novares/witness/v1/witness_service_pb.js";
import { ago } from "../../../shared/format.ts";
import { DataTable } from "../../../shared/components.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

const headings = ["Comune", "Postazione", "Indirizzo", "Versione", "Stato", "Ultimo annuncio", "Registro testimoniato"];

export function InstanceTable(props: { instances: readonly Instance[]; now: Date }): JSX.Element {
  const { t, intlLocale } = useI18n();
  return (
    <DataTable
      testId="instances"
      headings={headings}
      rows={props.instances}
      empty="Nessun Novabox annunciato."
      emptyInTable
    >
      {(i) => (
        <tr data-comune={i.comuneCode} data-health={healthLabels[i.health][0]}>
          <td>
            {i.comuneName} ({i.comuneCode})
          </td>
          <td>{i.workstationCode}</td>
          <td class="mono">
            {i.host}:{i.port}
          </td>
          <td>{i.version}</td>
          <td>
            <span class={`badge ${healthLabels[i.health][1]}`}>{t(healthLabels[i.health][0])}</span>
            {i.healthReason ? (
              <div class="hint" data-testid="health-reason">
                {i.healthReason}
              </div>
            ) : null}
          </td>
          <td>{ago(i.lastAnnouncedAt, props.now, intlLocale())}</td>
          <td data-testid="audit-witness" data-witness={WitnessState[i.auditWitness?.state ?? WitnessState.NONE]}>
            <span class={`badge ${witnessLabels[i.auditWitness?.state ?? WitnessState.NONE][1]}`}>
              {t(witnessLabels[i.auditWitness?.state ?? WitnessState.NONE][0])}
            </span>
            {i.auditWitness?.lastWitnessedAt ? (
              <div class="hint">
                {t("ultimo punto di controllo")}: {ago(i.auditWitness.lastWitnessedAt, props.now, intlLocale())}
                {` (${t("voce")} ${String(i.auditWitness.lastId)})`}
              </div>
            ) : null}
            {i.auditWitness?.reason ? (
              <div class="hint" data-testid="audit-witness-reason">
                {i.auditWitness.reason}
              </div>
            ) : null}
          </td>
        </tr>
      )}
    </DataTable>
  );
}
