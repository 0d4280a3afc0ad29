import { describe, expect, it } from "@jest/globals";
import { X509Certificate } from "node:crypto";
import { createCertificateAuthority } from "../src/anpr/pki.js";
import {
  describeMeshIdentity,
  meshIdentityOfSubjectAltName,
  meshIdentityUri,
  parseMeshIdentityUri,
  subjectAltNameUris,
} from "../src/mesh/mesh-identity.js";
import { issueMeshCertificate } from "../src/dev-pki/mesh-pki.js";

describe("mesh identities (SPIFFE IDs in the subjectAltName)", () => {
  it("writes and reads back the three forms", () => {
    for (const identity of [
      { role: "router" as const },
      { role: "gateway" as const },
      { role: "box" as const, comuneCode: "022205", workstationId: "POST-022205-01" },
    ]) {
      expect(parseMeshIdentityUri(meshIdentityUri(identity))).toEqual(identity);
    }
    expect(meshIdentityUri({ role: "box", comuneCode: "022205", workstationId: "POST-022205-01" })).toBe(
      "spiffe://novares/comune/022205/postazione/POST-022205-01",
    );
  });

  it("names nobody for another trust domain, a malformed path or a bad Comune code", () => {
    for (const uri of [
      "spiffe://other/router",
      "spiffe://novares/comune/22205/postazione/P",
      "spiffe://novares/comune/022205",
      "spiffe://novares/comune/022205/postazione/a/b",
      "https://novares/router",
      "spiffe://novares/admin",
    ]) {
      expect(parseMeshIdentityUri(uri)).toBeUndefined();
    }
    expect(() => meshIdentityUri({ role: "box", comuneCode: "022205", workstationId: "a/b" })).toThrow(/workstation/);
  });

  it("reads Node's subjectAltName text, quoted values included, and refuses two SPIFFE IDs", () => {
    expect(
      subjectAltNameUris('DNS:localhost, URI:spiffe://novares/router, IP Address:127.0.0.1, URI:"https://x.test/a,b"'),
    ).toEqual(["spiffe://novares/router", "https://x.test/a,b"]);
    expect(meshIdentityOfSubjectAltName("DNS:localhost, URI:spiffe://novares/gateway")).toEqual({ role: "gateway" });
    expect(meshIdentityOfSubjectAltName("URI:spiffe://novares/gateway, URI:spiffe://novares/router")).toBeUndefined();
    expect(meshIdentityOfSubjectAltName("DNS:router.novares.test")).toBeUndefined();
    expect(meshIdentityOfSubjectAltName(undefined)).toBeUndefined();
    expect(describeMeshIdentity(undefined)).toBe("a certificate that names no mesh identity");
  });

  it("is what issued mesh certificates carry, with each leaf's own names", () => {
    const ca = createCertificateAuthority({ commonName: "Test mesh CA", organization: "Novares mesh", validDays: 2 });
    const leaf = issueMeshCertificate(ca, {
      role: "box-022205-post-022205-02",
      identity: { role: "box", comuneCode: "022205", workstationId: "POST-022205-02" },
      hostnames: ["novabox.trento.test"],
      validDays: 2,
    });
    const cert = new X509Certificate(leaf.certificatePem);
    expect(meshIdentityOfSubjectAltName(cert.subjectAltName)).toEqual({
      role: "box",
      comuneCode: "022205",
      workstationId: "POST-022205-02",
    });
    expect(cert.subjectAltName).toContain("DNS:novabox.trento.test");
  });
});
