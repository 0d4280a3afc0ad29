/**
 * The per-method auth step (call-auth.ts) served in memory through Connect's router transport: each
 * method runs only after its policy's check, the handler reads the principal the check returned, a
 * refusal never reaches the handler (also for a streaming method), and a method without a declared
 * policy is refused — fail closed.
 */
import { describe, expect, it } from "@jest/globals";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "#gen/grpc/health/v1/health_pb.js";
import { principalOf, withAuthPolicies, type Authenticate, type AuthPolicies } from "#shared/rpc/call-auth.js";
import type { CallContext } from "#shared/rpc/call-context.js";
import { addConnectService } from "#shared/rpc/connect-adapter.js";
import type { ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import { DomainError } from "#shared/runtime/domain-error.js";

type Policy = "public" | "admin";

const checks: Record<Policy, Authenticate> = {
  public: () => ({ kind: "public" }),
  admin: (context) => {
    const username = context.requestHeader.get("x-admin");
    if (!username) throw new DomainError("unauthenticated", "no admin session", { reason: "SESSION_MISSING" });
    return { kind: "admin", username };
  },
};

function setup(policies: Partial<AuthPolicies<typeof Health, Policy>>) {
  const served: string[] = [];
  const impl: ServiceImpl<typeof Health> = {
    check(request, context) {
      served.push(`check ${request.service} by ${kindOf(context)}`);
      return { status: HealthCheckResponse_ServingStatus.SERVING };
    },
    async *watch(request, context) {
      served.push(`watch ${request.service} by ${principalOf(context, "admin").username}`);
      yield await Promise.resolve({ status: HealthCheckResponse_ServingStatus.SERVING });
    },
    list() {
      served.push("list");
      return { statuses: {} };
    },
  };
  const guarded = withAuthPolicies(Health, impl, policies as AuthPolicies<typeof Health, Policy>, checks);
  const transport = createRouterTransport((router) => addConnectService(router, Health, guarded));
  return { served, client: createClient(Health, transport) };
}

const kindOf = (context: CallContext) => context.principal?.kind ?? "nobody";

/** The ConnectError a call was refused with (a call that succeeds fails the test). */
const failure = (call: Promise<unknown>): Promise<ConnectError> =>
  call.then(
    () => Promise.reject(new Error("expected a refusal")),
    (e: unknown) => ConnectError.from(e),
  );

describe("auth policies per method", () => {
  it("runs each method's check first and hands its principal to the handler", async () => {
    const { client, served } = setup({ check: "public", watch: "admin", list: "admin" });
    await client.check({ service: "a" });
    const messages = [];
    for await (const message of client.watch({ service: "b" }, { headers: { "x-admin": "anna" } }))
      messages.push(message);
    expect(messages).toHaveLength(1);
    expect(served).toEqual(["check a by public", "watch b by anna"]);
  });

  it("a refused check never reaches the handler, unary or streaming", async () => {
    const { client, served } = setup({ check: "admin", watch: "admin", list: "admin" });
    const unary = await failure(client.check({ service: "a" }));
    expect(unary.code).toBe(Code.Unauthenticated);
    expect(unary.findDetails(ErrorInfoSchema)).toMatchObject([{ reason: "SESSION_MISSING" }]);
    const streaming = await failure(
      (async () => {
        for await (const _ of client.watch({ service: "b" })) void _;
      })(),
    );
    expect(streaming.code).toBe(Code.Unauthenticated);
    expect(served).toEqual([]);
  });

  it("refuses a method with no declared policy (fail closed), and one whose policy has no check", async () => {
    const { client, served } = setup({ check: "public" });
    const missing = await failure(client.list({}));
    expect(missing.code).toBe(Code.PermissionDenied);
    expect(missing.message).toContain("grpc.health.v1.Health/List");
    expect(missing.findDetails(ErrorInfoSchema)).toMatchObject([{ reason: "AUTH_POLICY_MISSING" }]);
    const unknown = setup({ check: "public", list: "operator" as Policy });
    expect((await failure(unknown.client.list({}))).code).toBe(Code.PermissionDenied);
    expect([...served, ...unknown.served]).toEqual([]);
    // The declared method still serves.
    await expect(client.check({ service: "" })).resolves.toMatchObject({
      status: HealthCheckResponse_ServingStatus.SERVING,
    });
  });

  it("a handler asking for a principal of another kind fails instead of serving", async () => {
    const { client, served } = setup({ check: "public", watch: "public", list: "public" });
    const err = await failure(
      (async () => {
        for await (const _ of client.watch({ service: "b" })) void _;
      })(),
    );
    expect(err.code).toBe(Code.Internal);
    expect(served).toEqual([]);
  });
});
