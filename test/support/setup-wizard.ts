/**
 * Fills the Novabox setup wizard in a real browser page, by the fields' ids, as the web e2e suites
 * do for every box they set up. Each function fills one step; the caller submits it (and takes its
 * screenshots or checks before), then waits for the next step or for the errors it expects.
 */
import type { Page } from "playwright-core";

/** Step 1: the administrator "admin" with `password` (typed twice). */
export async function fillAdminStep(page: Page, password: string): Promise<void> {
  await page.fill("#username", "admin");
  await page.fill("#password", password);
  await page.fill("#confirm", password);
}

/** What step 2 (ANPR credentials and the workstation's settings) is filled with. */
export interface AnprStepValues {
  /** The ANPR CA certificate file and the workstation's PKCS#12 file, with its PIN. */
  caFile: string;
  pkcs12File: string;
  pin: string;
  operatorId: string;
  officeId: string;
  workstationId: string;
  comuneCode: string;
  comuneName: string;
  registryOfficerSurname: string;
  registryOfficerName: string;
  anprBaseUrl: string;
  /** The environment option, by its value ("1") or by its Italian label. */
  environment: string | { label: string };
}

/** Step 2: every field, files included. */
export async function fillAnprStep(page: Page, values: AnprStepValues): Promise<void> {
  await page.setInputFiles("#certificate", values.caFile);
  await page.setInputFiles("#pkcs12", values.pkcs12File);
  await page.fill("#pin", values.pin);
  await page.fill("#operator_id", values.operatorId);
  await page.fill("#office_id", values.officeId);
  await page.fill("#workstation_id", values.workstationId);
  await page.fill("#comune_code", values.comuneCode);
  await page.fill("#comune_name", values.comuneName);
  await page.fill("#registry_officer_surname", values.registryOfficerSurname);
  await page.fill("#registry_officer_name", values.registryOfficerName);
  await page.fill("#anpr_base_url", values.anprBaseUrl);
  await page.selectOption("#anpr_environment", values.environment);
}

/** What step 3 (Novares and the SSO) is filled with; an omitted field keeps what the form shows. */
export interface MeshStepValues {
  discoveryAddress: string;
  advertisedHost: string;
  advertisedPort?: number;
  ssoIssuer: string;
  ssoAudience?: string;
  ssoJwksUrl: string;
}

/** Step 3: the fields given. */
export async function fillMeshStep(page: Page, values: MeshStepValues): Promise<void> {
  await page.fill("#novares_discovery_address", values.discoveryAddress);
  await page.fill("#advertised_host", values.advertisedHost);
  if (values.advertisedPort !== undefined) await page.fill("#advertised_port", String(values.advertisedPort));
  await page.fill("#sso_issuer", values.ssoIssuer);
  if (values.ssoAudience !== undefined) await page.fill("#sso_audience", values.ssoAudience);
  await page.fill("#sso_jwks_url", values.ssoJwksUrl);
}
