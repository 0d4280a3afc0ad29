/**
 * The rule that a tobacconist acts only on its own behalf: the tobacconist a request names must be
 * the one its verified token names, and a request that names none is filled in from the token, so
 * every call the gateway forwards carries the signed-in tobacconist.
 */
import { TobacconistMismatchError } from "./errors.js";
import type { TobacconistIdentity } from "./sso-verifier.js";

/** Returns the tobacconist id to forward; throws {@link TobacconistMismatchError} on a mismatch. */
export function effectiveTobacconistId(identity: TobacconistIdentity, requested: string): string {
  if (requested !== "" && requested !== identity.tobacconistId) throw new TobacconistMismatchError(requested, identity.tobacconistId);
  return identity.tobacconistId;
}
