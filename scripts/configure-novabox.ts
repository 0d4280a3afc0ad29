/**
 * Configures a Novabox through its ConfigService the way a Comune's operator would in the panel:
 * registers the admin (only while none exists), uploads the CA certificate and the workstation
 * PKCS#12 (unless already there), sets the ids, ANPR, Novares and SSO settings, and runs ANPR's
 * connectivity test. Used by `npm start` and by tests that add boxes to a running mesh.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { Client, type ChannelCredentials } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { AnprEnvironment, ConfigService, SettingsSchema } from "#gen/novabox/config/v1/config_service_pb.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";

/** Options for {@link configureNovabox}. */
export interface ConfigureNovaboxOptions {
  /** The box's gRPC address and the credentials to reach it (mesh mTLS or plaintext). */
  address: string;
  credentials: ChannelCredentials;
  /** Where the admin password is kept (0600); generated at registration when the file is missing. */
  adminPasswordFile: string;
  /** The workstation: PKCS#12 + PIN files and SAML ids (from the dev PKI manifest). */
  workstation: { pkcs12File: string; pinFile: string; operatorId: string; sedeId: string; postazioneId: string };
  /** The CA certificate ANPR's TLS endpoint chains to. */
  caCertificateFile: string;
  comune: { code: string; name: string };
  anprBaseUrl: string;
  /** The Novares router the box announces to, and the address it announces. */
  novaresDiscoveryAddress: string;
  advertised: { host: string; port: number };
  sso: { publicKeyPem: string; issuer: string; audience: string };
}

const settingsPaths = [
  "operator_id",
  "office_id",
  "workstation_id",
  "comune_code",
  "comune_name",
  "anpr_environment",
  "anpr_base_url",
  "registry_officer_surname",
  "registry_officer_name",
  "novares_discovery_address",
  "advertised_host",
  "advertised_port",
  "sso_public_key_pem",
  "sso_issuer",
  "sso_audience",
];

/** Configures the box; throws when ANPR's connectivity test fails. Safe to run again. */
export async function configureNovabox(options: ConfigureNovaboxOptions): Promise<void> {
  const channel = new Client(options.address, options.credentials);
  try {
    const config = createGrpcClient(ConfigService, channel);
    const status = (await config.getSetupStatus({})).status;
    if (!status?.adminRegistered) {
      if (!existsSync(options.adminPasswordFile))
        writeFileSync(options.adminPasswordFile, `${randomBytes(18).toString("base64url")}\n`, { mode: 0o600 });
      await config.registerAdmin({
        username: "admin",
        password: readFileSync(options.adminPasswordFile, "utf8").trim(),
      });
    }
    const token = (
      await config.login({ username: "admin", password: readFileSync(options.adminPasswordFile, "utf8").trim() })
    ).session!.token;
    const auth = { metadata: { authorization: `Bearer ${token}` } };
    const current = (await config.getConfig({}, auth)).config;
    if (!current?.caCertificate)
      await config.uploadCaCertificate({ certificate: readFileSync(options.caCertificateFile), password: "" }, auth);
    if (!current?.workstationCertificate) {
      await config.uploadWorkstationCertificate(
        {
          pkcs12: readFileSync(options.workstation.pkcs12File),
          pin: readFileSync(options.workstation.pinFile, "utf8").trim(),
        },
        auth,
      );
    }
    await config.updateConfig(
      {
        settings: create(SettingsSchema, {
          operatorId: options.workstation.operatorId,
          officeId: options.workstation.sedeId,
          workstationId: options.workstation.postazioneId,
          comuneCode: options.comune.code,
          comuneName: options.comune.name,
          anprEnvironment: AnprEnvironment.TEST,
          anprBaseUrl: options.anprBaseUrl,
          registryOfficerSurname: "ROSSI",
          registryOfficerName: "ANNA",
          novaresDiscoveryAddress: options.novaresDiscoveryAddress,
          advertisedHost: options.advertised.host,
          advertisedPort: options.advertised.port,
          ssoPublicKeyPem: options.sso.publicKeyPem,
          ssoIssuer: options.sso.issuer,
          ssoAudience: options.sso.audience,
        }),
        updateMask: { paths: settingsPaths },
      },
      auth,
    );
    const test = await config.testAnprConnection({}, auth);
    if (!test.ok) throw new Error(`${options.comune.name}: ANPR connectivity test failed: ${test.detail}`);
  } finally {
    channel.close();
  }
}
