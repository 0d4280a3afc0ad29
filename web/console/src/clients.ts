/**
 * The Novares console's Connect clients (same origin: the gateway serves the console) and the
 * tobacconist's SSO session (the access token of the OpenID Connect sign-in, ./sign-in.ts), kept in
 * sessionStorage so it ends with the tab.
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createSignal } from "solid-js";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { CounterService } from "#gen/novares/counter/v1/counter_service_pb.js";

const transport = createConnectTransport({ baseUrl: window.location.origin });

/** Read-only mesh directory (no token needed). */
export const discovery = createClient(DiscoveryService, transport);
/** Certificates, routed by the gateway to the Comune's Novabox (SSO token needed). */
export const certification = createClient(CertificationService, transport);
/** The counter's business: the month's account and mass-extraction alerts (SSO token needed). */
export const counter = createClient(CounterService, transport);

/** A signed-in tobacconist. */
export interface TobacconistSession {
  token: string;
  tobacconistId: string;
  name: string;
}

const storageKey = "novares.tobacconist";
function stored(): TobacconistSession | undefined {
  try {
    const raw = sessionStorage.getItem(storageKey);
    return raw ? (JSON.parse(raw) as TobacconistSession) : undefined;
  } catch {
    return undefined;
  }
}
const [session, setSessionSignal] = createSignal<TobacconistSession | undefined>(stored());

/** The tobacconist signed in, if any. */
export const tobacconist = session;

/** Signs out. */
export function signOut(): void {
  sessionStorage.removeItem(storageKey);
  setSessionSignal(undefined);
}

/** Call options carrying the tobacconist's token. */
export function ssoAuth(): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${session()?.token ?? ""}` } };
}

/** Keeps the signed-in tobacconist (after the OpenID Connect sign-in, ./sign-in.ts) for this tab. */
export function setSession(value: TobacconistSession): void {
  sessionStorage.setItem(storageKey, JSON.stringify(value));
  setSessionSignal(value);
}
