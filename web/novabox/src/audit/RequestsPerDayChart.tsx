/** Requests per day and per outcome, as stacked inline-SVG bars, from the rows loaded on screen. */
import { For, Show, type JSX } from "solid-js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { AuditOutcome, type AuditEntry } from "#gen/novabox/config/v1/config_service_pb.js";
import { outcomeLabels } from "../labels.ts";
import { countPerDay } from "../../../shared/csv.ts";
import { useI18n } from "../../../shared/i18n.tsx";

const colors: Record<AuditOutcome, string> = {
  [AuditOutcome.UNSPECIFIED]: "#9aa5b1",
  [AuditOutcome.SUCCESS]: "#2f855a",
  [AuditOutcome.ANPR_ERROR]: "#c53030",
  [AuditOutcome.INVALID]: "#d69e2e",
  [AuditOutcome.DENIED]: "#822727",
  [AuditOutcome.RATE_LIMITED]: "#dd6b20",
  [AuditOutcome.FAILED]: "#6b46c1",
  [AuditOutcome.OUTCOME_UNKNOWN]: "#b7791f",
  [AuditOutcome.RECOVERED]: "#38a169",
};
const order = [
  AuditOutcome.SUCCESS,
  AuditOutcome.RECOVERED,
  AuditOutcome.OUTCOME_UNKNOWN,
  AuditOutcome.INVALID,
  AuditOutcome.RATE_LIMITED,
  AuditOutcome.DENIED,
  AuditOutcome.ANPR_ERROR,
  AuditOutcome.FAILED,
  AuditOutcome.UNSPECIFIED,
];

const dayKey = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Rome" }); // "YYYY-MM-DD"
const barWidth = 28;
const gap = 14;
const height = 120;

export function RequestsPerDayChart(props: { entries: readonly AuditEntry[] }): JSX.Element {
  const { t } = useI18n();
  const days = () =>
    countPerDay(
      props.entries.filter((e) => e.time).map((e) => ({ day: dayKey.format(timestampDate(e.time!)), key: e.outcome })),
    );
  const max = () => Math.max(1, ...days().map((d) => [...d.counts.values()].reduce((a, b) => a + b, 0)));
  const width = () => Math.max(1, days().length) * (barWidth + gap) + gap;
  const present = () => order.filter((o) => days().some((d) => d.counts.has(o)));

  return (
    <Show when={days().length > 0}>
      <figure data-testid="requests-chart" style={{ margin: "0.75rem 0" }}>
        <svg width={width()} height={height + 20} role="img" aria-label={t("Richieste al giorno per esito")}>
          <For each={days()}>
            {(d, i) => {
              let y = height;
              return (
                <g>
                  <For each={order.filter((o) => d.counts.has(o))}>
                    {(o) => {
                      const n = d.counts.get(o)!;
                      const h = (n / max()) * (height - 10);
                      y -= h;
                      return (
                        <rect x={gap + i() * (barWidth + gap)} y={y} width={barWidth} height={h} fill={colors[o]}>
                          <title>
                            {d.day}: {n} {t(outcomeLabels[o][0])}
                          </title>
                        </rect>
                      );
                    }}
                  </For>
                  <text
                    x={gap + i() * (barWidth + gap) + barWidth / 2}
                    y={height + 14}
                    font-size="9"
                    text-anchor="middle"
                  >
                    {d.day.slice(8)}/{d.day.slice(5, 7)}
                  </text>
                </g>
              );
            }}
          </For>
        </svg>
        <figcaption class="hint">
          {t("Richieste al giorno (righe mostrate), per esito:")}{" "}
          <For each={present()}>
            {(o) => (
              <span style={{ "margin-right": "0.75rem" }}>
                <svg width="10" height="10">
                  <rect width="10" height="10" fill={colors[o]} />
                </svg>{" "}
                {t(outcomeLabels[o][0])}
              </span>
            )}
          </For>
        </figcaption>
      </figure>
    </Show>
  );
}
