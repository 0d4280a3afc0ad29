/** VerifyAuditLog with its result in plain words. */
import { createSignal, Show, type JSX } from "solid-js";
import type { VerifyAuditLogResponse } from "@gen/novabox/config/v1/config_service_pb.js";
import { adminAuth, config } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { ActionError } from "../../../shared/components.tsx";
import { formatDateTime } from "../../../shared/format.ts";

export function IntegrityCheck(): JSX.Element {
  const [result, setResult] = createSignal<VerifyAuditLogResponse>();
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  async function verify(): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await config.verifyAuditLog({}, adminAuth()));
    } catch (err) {
      setError(describeError(err).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card">
      <h2>Integrità del registro</h2>
      <p>Ogni riga è concatenata alla precedente con un'impronta SHA-256: la verifica ricalcola l'intera catena.</p>
      <div class="actions">
        <button type="button" onClick={() => void verify()} disabled={busy()}>
          Verifica l'integrità
        </button>
        <ActionError message={error()} />
      </div>
      <Show when={result()}>
        {(r) => (
          <div class="result" classList={{ ok: r().ok, bad: !r().ok }} data-testid="integrity-result" role="status">
            <Show
              when={r().ok}
              fallback={
                <>
                  <strong>Registro alterato.</strong> La riga n. {String(r().firstBrokenId)} non corrisponde: {r().reason}. Righe controllate: {String(r().rowsChecked)}.
                </>
              }
            >
              <strong>Registro integro.</strong> {String(r().rowsChecked)} righe verificate, nessuna modifica, cancellazione o inversione ({formatDateTime(r().verifiedAt)}).
            </Show>
          </div>
        )}
      </Show>
    </section>
  );
}
