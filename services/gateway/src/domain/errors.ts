/**
 * The gateway's typed domain errors. Each names the situation; its kind decides the wire code
 * through the shared kind → code table (grpc-status.ts), so no error here knows about RPC.
 */
import { DomainError } from "#shared/runtime/domain-error.js";

export { SsoTokenError, TobacconistMismatchError, type SsoTokenFailure } from "#shared/mesh/sso-token.js";

/** The development SSO knows only the demo tobacconists (PERMISSION_DENIED for anyone else). */
export class UnknownTobacconistError extends DomainError {
  constructor(tobacconistId: string, known: readonly string[]) {
    super(
      "forbidden",
      `"${tobacconistId}" is not a demo tobacconist of the development SSO; use one of ${known.join(", ")}`,
      {
        reason: "UNKNOWN_TOBACCONIST",
        field: "tobacconistId",
      },
    );
  }
}

/** A token request without a usable tobacconist id (INVALID_ARGUMENT). */
export class InvalidTokenRequestError extends DomainError {
  constructor(message: string) {
    super("invalid-input", message, { reason: "INVALID_TOKEN_REQUEST", field: "tobacconistId" });
  }
}

/**
 * Announce/Withdraw reached the gateway (PERMISSION_DENIED): the gateway shows the mesh read-only;
 * boxes announce themselves to the router over mutual TLS, never through the browsers' door.
 */
export class AnnouncementNotAllowedError extends DomainError {
  constructor() {
    super("forbidden", "announcements go to the router: the gateway offers a read-only view of the mesh", {
      reason: "ANNOUNCEMENTS_GO_TO_ROUTER",
    });
  }
}
