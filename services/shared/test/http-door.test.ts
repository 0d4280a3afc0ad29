import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyCors, createStaticFiles } from "../src/rpc/http-door.js";

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe("http door: a built web app's files and CORS", () => {
  const base = mkdtempSync(join(tmpdir(), "http-door-"));
  const webDir = join(base, "web");
  const index = "<!doctype html><title>app</title>";
  let server: Server;
  let port: number;

  /** Sends `path` exactly as written (no client-side normalisation of `..`), like a hostile client would. */
  const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
    new Promise<Answer>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    });

  beforeAll(async () => {
    mkdirSync(join(webDir, "assets"), { recursive: true });
    writeFileSync(join(webDir, "index.html"), index);
    writeFileSync(join(webDir, "assets", "index-Ab12Cd34.js"), "export {};");
    writeFileSync(join(webDir, "assets", "index-Ab12Cd34.css"), "body{}");
    writeFileSync(join(webDir, "favicon.svg"), "<svg/>");
    writeFileSync(join(base, "secret.txt"), "TOP SECRET");
    const files = createStaticFiles(webDir);
    server = createServer((req, res) => {
      if (applyCors(req, res, ["https://allowed.example"])) return;
      files(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(base, { recursive: true, force: true });
  });

  it("serves index.html at / and for client-side routes, revalidated on every load", async () => {
    for (const path of ["/", "/index.html", "/configuration", "/audit/log?from=2026-01-01"]) {
      const answer = await get(path);
      expect({ path, status: answer.status, body: answer.body }).toEqual({ path, status: 200, body: index });
      expect(answer.headers["content-type"]).toBe("text/html;charset=utf-8");
      expect(answer.headers["cache-control"]).toBe("no-cache");
    }
  });

  it("serves hashed assets with their content type, cached for a year", async () => {
    const js = await get("/assets/index-Ab12Cd34.js");
    expect(js.status).toBe(200);
    expect(js.body).toBe("export {};");
    expect(js.headers["content-type"]).toMatch(/^text\/javascript/);
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const css = await get("/assets/index-Ab12Cd34.css");
    expect(css.headers["content-type"]).toMatch(/^text\/css/);
    const svg = await get("/favicon.svg");
    expect(svg.headers["content-type"]).toBe("image/svg+xml");
    expect(svg.headers["cache-control"]).toBe("no-cache");
  });

  it("answers a revalidation with 304 and a HEAD without a body", async () => {
    const first = await get("/");
    const again = await get("/", { "If-None-Match": String(first.headers.etag) });
    expect(again.status).toBe(304);
    const head = await get("/assets/index-Ab12Cd34.js", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("answers 404 for a missing file with an extension instead of index.html", async () => {
    const answer = await get("/assets/index-Missing0.js");
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain("<title>app");
  });

  it("refuses paths that climb out of the folder, raw or percent-encoded", async () => {
    for (const path of [
      "/../secret.txt",
      "/../../etc/passwd",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E/%2e%2e/etc/passwd",
      "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
      "/..%5csecret.txt",
      "/%00index.html",
      "/%E0%A4%A",
    ]) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body).not.toContain("TOP SECRET");
      expect(answer.body).not.toContain("root:");
    }
  });

  it("adds CORS headers for an allowed origin only, and answers its preflight", async () => {
    const allowed = await get("/", { Origin: "https://allowed.example" });
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://allowed.example");
    expect(allowed.headers["access-control-expose-headers"]).toContain("Grpc-Status");
    const other = await get("/", { Origin: "https://other.example" });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await get(
      "/novabox.config.v1.ConfigService/GetSettings",
      { Origin: "https://allowed.example" },
      "OPTIONS",
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-methods"]).toContain("POST");
  });

  it("refuses to start on a folder that does not exist", () => {
    expect(() => createStaticFiles(join(base, "missing"))).toThrow(/does not exist/);
  });
});
