import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials, Server } from "@grpc/grpc-js";
import { Health, HealthCheckResponse_ServingStatus as S } from "#gen/grpc/health/v1/health_pb.js";
import { addGrpcService, createGrpcClient } from "../src/rpc/grpc-adapter.js";
import { RpcError } from "../src/rpc/grpc-status.js";
import { createCertificateAuthority } from "../src/anpr/pki.js";
import { ensureMeshPki, issueMeshCertificate, meshCredentials, type MeshPki } from "../src/dev-pki/mesh-pki.js";
import { meshIdentityOfSubjectAltName } from "../src/mesh/mesh-identity.js";

describe("mesh PKI", () => {
  let dir: string;
  let pki: MeshPki;
  const server = new Server();
  let port = 0;
  const channels: Client[] = [];

  const check = (channel: Client) => createGrpcClient(Health, channel).check({}, { deadline: 5_000 });
  const channel = (creds: ReturnType<typeof credentials.createInsecure>) => {
    const c = new Client(`127.0.0.1:${port}`, creds);
    channels.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mesh-pki-"));
    pki = await ensureMeshPki(dir, { boxes: ["022205", "022161"], hostnames: ["router.mesh.test"] });
    addGrpcService(server, Health, { check: () => ({ status: S.SERVING }) });
    const { server: serverCredentials } = meshCredentials(dir, "router");
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", serverCredentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
  });

  afterAll(async () => {
    for (const c of channels) c.close();
    server.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the CA, router, gateway and box certificates with private keys", async () => {
    expect(Object.keys(pki.identities).sort()).toEqual(["box-022161", "box-022205", "gateway", "router"]);
    expect(pki.created).toHaveLength(10);
    for (const file of [pki.caPrivateKey, ...Object.values(pki.identities).map((i) => i.privateKey)]) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    const ca = new X509Certificate(await readFile(pki.caCertificate));
    expect(ca.ca).toBe(true);
    const box = new X509Certificate(await readFile(pki.identities["box-022205"]!.certificate));
    expect(box.subject).toContain("CN=box-022205");
    expect(box.subject).toContain("O=Novares mesh");
    expect(box.subjectAltName).toContain("DNS:localhost");
    expect(box.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(box.subjectAltName).toContain("DNS:router.mesh.test");
    expect(box.checkIssued(ca) && box.verify(ca.publicKey)).toBe(true);
    expect(box.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
  });

  it("keeps valid files on a second run, and adds only what is new", async () => {
    const before = await readFile(pki.identities.gateway!.certificate, "utf8");
    const again = await ensureMeshPki(dir, { boxes: ["022205", "022161"], hostnames: ["router.mesh.test"] });
    expect(again.created).toEqual([]);
    expect(await readFile(again.identities.gateway!.certificate, "utf8")).toBe(before);
    const more = await ensureMeshPki(dir, { boxes: ["022205", "022161", "021008"], hostnames: ["router.mesh.test"] });
    expect(more.created.sort()).toEqual([join(dir, "box-021008-key.pem"), join(dir, "box-021008.pem")]);
  });

  it("names each party's identity (SPIFFE ID) and gives each leaf its own names", async () => {
    const other = await mkdtemp(join(tmpdir(), "mesh-pki-sans-"));
    try {
      const sans = await ensureMeshPki(other, {
        boxes: ["022205", "022205:POST-022205-02"],
        sans: { router: ["router.novares.test"], "box-022205": ["novabox.trento.test", "10.0.0.5"] },
      });
      const cert = async (role: string) => new X509Certificate(await readFile(sans.identities[role]!.certificate));
      expect(meshIdentityOfSubjectAltName((await cert("router")).subjectAltName)).toEqual({ role: "router" });
      expect(meshIdentityOfSubjectAltName((await cert("gateway")).subjectAltName)).toEqual({ role: "gateway" });
      expect(meshIdentityOfSubjectAltName((await cert("box-022205")).subjectAltName)).toEqual({
        role: "box",
        comuneCode: "022205",
        workstationId: "POST-022205-01",
      });
      expect(meshIdentityOfSubjectAltName((await cert("box-022205-post-022205-02")).subjectAltName)).toEqual({
        role: "box",
        comuneCode: "022205",
        workstationId: "POST-022205-02",
      });
      expect((await cert("router")).subjectAltName).toContain("DNS:router.novares.test");
      expect((await cert("router")).subjectAltName).not.toContain("novabox.trento.test");
      expect((await cert("box-022205")).subjectAltName).toContain("IP Address:10.0.0.5");
      expect((await cert("box-022205-post-022205-02")).subjectAltName).not.toContain("novabox.trento.test");
      await expect(ensureMeshPki(other, { boxes: ["022205"], sans: { "box-099999": ["x.test"] } })).rejects.toThrow(
        /box-099999/,
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("refuses a Comune code that is not six digits", async () => {
    await expect(ensureMeshPki(dir, { boxes: ["22205"] })).rejects.toThrow(/ISTAT/);
  });

  it("accepts a client with a mesh certificate (mutual TLS on 127.0.0.1)", async () => {
    const answer = await check(channel(meshCredentials(dir, "gateway").client));
    expect(answer.status).toBe(S.SERVING);
  });

  it("refuses a client that presents no certificate", async () => {
    const ca = await readFile(pki.caCertificate);
    await expect(check(channel(credentials.createSsl(ca)))).rejects.toBeInstanceOf(RpcError);
  });

  it("refuses a client whose certificate comes from another CA", async () => {
    const ca = await readFile(pki.caCertificate);
    const rogueCa = createCertificateAuthority({ commonName: "Rogue CA", organization: "Novares mesh", validDays: 30 });
    const rogue = issueMeshCertificate(rogueCa, {
      role: "gateway",
      hostnames: ["localhost", "127.0.0.1"],
      validDays: 30,
    });
    const err = await check(
      channel(credentials.createSsl(ca, Buffer.from(rogue.privateKeyPem), Buffer.from(rogue.certificatePem))),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).codeName).toBe("UNAVAILABLE");
  });

  it("a client that trusts only the mesh CA refuses a server outside the mesh", async () => {
    const other = await mkdtemp(join(tmpdir(), "mesh-pki-other-"));
    try {
      await ensureMeshPki(other, { boxes: [] });
      const rogueServer = new Server();
      addGrpcService(rogueServer, Health, { check: () => ({ status: S.SERVING }) });
      const roguePort = await new Promise<number>((resolve, reject) =>
        rogueServer.bindAsync("127.0.0.1:0", meshCredentials(other, "router").server, (err, p) =>
          err ? reject(err) : resolve(p),
        ),
      );
      const c = new Client(`127.0.0.1:${roguePort}`, meshCredentials(dir, "gateway").client);
      channels.push(c);
      await expect(check(c)).rejects.toBeInstanceOf(RpcError);
      rogueServer.forceShutdown();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
