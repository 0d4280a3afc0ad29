import { describe, expect, it } from "@jest/globals";
import { routerTarget } from "../src/server/router-target.js";

const roundRobin = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });

describe("routerTarget", () => {
  it("balances round-robin over what one DNS name resolves to", () => {
    expect(routerTarget("router.novares.internal:50060")).toEqual({
      target: "router.novares.internal:50060",
      options: { "grpc.service_config": roundRobin },
      addresses: ["router.novares.internal:50060"],
    });
  });

  it("turns a list of IPv4 routers into one ipv4: target, TLS named after the first", () => {
    expect(routerTarget("127.0.0.1:50060, 127.0.0.2:50061")).toEqual({
      target: "ipv4:127.0.0.1:50060,127.0.0.2:50061",
      options: { "grpc.service_config": roundRobin, "grpc.default_authority": "127.0.0.1:50060" },
      addresses: ["127.0.0.1:50060", "127.0.0.2:50061"],
    });
    expect(routerTarget("[::1]:1,[::1]:2").target).toBe("ipv6:[::1]:1,[::1]:2");
  });

  it("refuses a list that mixes names and addresses, saying what to do", () => {
    expect(() => routerTarget("router-a:1,10.0.0.2:1")).toThrow(
      /each must be an IP address:port of the same family .* or use one DNS name/,
    );
    expect(() => routerTarget(" , ")).toThrow(/ROUTER_ADDRESS is empty/);
  });
});
