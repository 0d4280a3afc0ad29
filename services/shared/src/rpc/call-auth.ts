/**
 * Who may call each method of a service, declared next to its registration, and the one step per
 * server that enforces it before any handler runs. A server names its policies (e.g. `public`,
 * `admin`, `tobacconist`, `mesh-peer`) and gives one check per policy; the check verifies the
 * caller (a token, a mesh certificate) and returns the {@link Principal} the handler then reads from
 * `context.principal` — handlers never parse a token. A method without a declared policy is refused
 * (fail closed), so a method added to a proto is closed until someone decides who may call it.
 * Health and reflection are served beside the services (grpc-server.ts), never through this step.
 */
import type { DescService } from "@bufbuild/protobuf";
import type { MeshIdentity } from "../mesh/mesh-identity.js";
import type { TobacconistIdentity } from "../mesh/sso-token.js";
import { DomainError } from "../runtime/domain-error.js";
import type { CallContext } from "./call-context.js";

/** The verified caller of a call, as the server's auth step found it. */
export type Principal =
  /** Anyone may call (login, setup status): nothing was verified. */
  | { readonly kind: "public" }
  /** A mesh party proved by its client certificate; undefined on a plaintext development mesh. */
  | { readonly kind: "mesh-peer"; readonly peer: MeshIdentity | undefined }
  /** A Novabox administrator with a valid session. */
  | { readonly kind: "admin"; readonly username: string }
  /** A tobacconist with a verified SSO token (and, at a box, reaching it through a Novares peer). */
  | { readonly kind: "tobacconist"; readonly identity: TobacconistIdentity };

/** Verifies the caller for one policy: returns its principal, or throws to refuse the call. */
export type Authenticate = (context: CallContext) => Principal | Promise<Principal>;

/**
 * The policy of every method of `S`, by the method's local name (`issueCertificate`). The type asks
 * for every method, so a new rpc does not compile until it has one; at run time a method missing
 * here is refused anyway.
 */
export type AuthPolicies<S extends DescService, P extends string> = { readonly [K in keyof S["method"]]: P };

/** Thrown (as PERMISSION_DENIED) for a method the server declared no policy for. */
export class AuthPolicyMissingError extends DomainError {
  constructor(method: string) {
    super("forbidden", `${method} is refused: this server declares no auth policy for it`, {
      reason: "AUTH_POLICY_MISSING",
    });
  }
}

/**
 * `impl` (the handlers of `service`) with the policy of each method enforced before it runs: the
 * policy's check runs before a unary handler and before the first message of a streaming one, and
 * the handler gets a context whose `principal` is what the check returned. A method `policies` does
 * not name (or names a policy without a check) is refused with {@link AuthPolicyMissingError}.
 */
export function withAuthPolicies<S extends DescService, T extends object, P extends string>(
  service: S,
  impl: T,
  policies: AuthPolicies<S, P>,
  checks: Readonly<Record<P, Authenticate>>,
): T {
  const wrapped: Record<string, unknown> = {};
  const handlers = impl as Record<string, ((request: unknown, context: CallContext) => unknown) | undefined>;
  const declared = policies as Readonly<Record<string, P | undefined>>;
  for (const method of service.methods) {
    const fn = handlers[method.localName];
    if (!fn) continue;
    const policy = declared[method.localName];
    const check: Authenticate | undefined = policy === undefined ? undefined : checks[policy];
    const admit = async (context: CallContext): Promise<CallContext> => {
      if (!check) throw new AuthPolicyMissingError(`${service.typeName}/${method.name}`);
      return withPrincipal(context, await check(context));
    };
    const streamsOut = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
    wrapped[method.localName] = streamsOut
      ? async function* (request: unknown, context: CallContext) {
          const admitted = await admit(context);
          yield* fn.call(impl, request, admitted) as AsyncIterable<unknown>;
        }
      : async (request: unknown, context: CallContext) => fn.call(impl, request, await admit(context));
  }
  return wrapped as T;
}

/** A server's auth step: the checks of its policies, and `guard` to put a service behind them. */
export interface AuthStep<P extends string> {
  readonly checks: Readonly<Record<P, Authenticate>>;
  /** `impl` with `policies` enforced before each method ({@link withAuthPolicies}). */
  guard<S extends DescService, T extends object>(service: S, impl: T, policies: AuthPolicies<S, P>): T;
}

/** The {@link AuthStep} of a server whose policies are checked by `checks`. */
export function createAuthStep<P extends string>(checks: Readonly<Record<P, Authenticate>>): AuthStep<P> {
  return { checks, guard: (service, impl, policies) => withAuthPolicies(service, impl, policies, checks) };
}

/** A copy of `context` (its getters kept) carrying `principal`. */
function withPrincipal(context: CallContext, principal: Principal): CallContext {
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(context)) as CallContext;
  return Object.defineProperty(copy, "principal", { value: principal, enumerable: true });
}

/**
 * The call's principal of kind `kind`. Throws an internal error when the server's auth step put none
 * there (a handler registered without {@link withAuthPolicies}, or under a policy of another kind):
 * a wiring mistake, refused rather than served unauthenticated.
 */
export function principalOf<K extends Principal["kind"]>(
  context: CallContext,
  kind: K,
): Extract<Principal, { kind: K }> {
  const principal = context.principal;
  if (principal?.kind === kind) return principal as Extract<Principal, { kind: K }>;
  throw new DomainError(
    "internal",
    `${context.method.name} needs a ${kind} caller, but the server's auth step gave ${principal?.kind ?? "none"}`,
    { reason: "AUTH_POLICY_MISMATCH" },
  );
}
