/**
 * The rules of the discovery contract that do not depend on a backend: what a valid Comune code
 * and announcement are, and how an instance id is derived, so that every router (and Consul) gives
 * the same box the same id.
 */
import { createHash } from "node:crypto";
import { InvalidDiscoveryInputError } from "./errors.js";
import type { AnnounceInput } from "./model.js";

const comunePattern = /^\d{6}$/;

/** Throws {@link InvalidDiscoveryInputError} unless `value` is a six-digit ISTAT code. */
export function requireComuneCode(value: string, field = "comune_code"): string {
  if (!comunePattern.test(value)) {
    throw new InvalidDiscoveryInputError(
      field,
      `${field} must be the six-digit ISTAT code of the Comune, e.g. "022205" (got "${value}")`,
      "INVALID_COMUNE_CODE",
    );
  }
  return value;
}

/**
 * The instance id of a box: `novabox-<comune>-<workstation slug>-<hash>`. Deterministic (same
 * comune + workstation → same id on every router, so Consul sees one service), readable, and
 * collision-free because the hash covers the raw workstation code.
 */
export function instanceIdFor(comuneCode: string, workstationCode: string): string {
  const slug = workstationCode
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40);
  const hash = createHash("sha256").update(`${comuneCode}\u0000${workstationCode}`).digest("hex").slice(0, 8);
  return `novabox-${comuneCode}-${slug ? `${slug}-` : ""}${hash}`;
}

/** The longest health reason kept from an announcement. */
export const maxHealthReasonLength = 200;

/**
 * Checks an announcement against the contract; throws {@link InvalidDiscoveryInputError} naming the
 * field. Returns it with its health reason made one bounded line.
 */
export function validateAnnounce(input: AnnounceInput): AnnounceInput {
  requireComuneCode(input.comuneCode);
  if (input.workstationCode.trim() === "") {
    throw new InvalidDiscoveryInputError(
      "workstation_code",
      "workstation_code is required: the ANPR workstation code (codice postazione) of the box",
      "MISSING_WORKSTATION_CODE",
    );
  }
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) {
    throw new InvalidDiscoveryInputError(
      "port",
      `port must be the TCP port of the box's gRPC server, 1-65535 (got ${input.port})`,
      "INVALID_PORT",
    );
  }
  if (input.host.trim() === "" || /\s/.test(input.host)) {
    throw new InvalidDiscoveryInputError(
      "host",
      "host must be the host name or IP address of the box's gRPC server",
      "INVALID_HOST",
    );
  }
  if (input.healthReason !== undefined) {
    // Shown as is by the console and stored in Consul's service meta (512 bytes at most): one line, bounded.
    const oneLine = [...input.healthReason].map((c) => (c < " " || c === "\u007f" ? " " : c)).join("");
    return { ...input, healthReason: oneLine.trim().slice(0, maxHealthReasonLength) };
  }
  return input;
}
