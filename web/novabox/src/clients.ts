/**
 * The Novabox panel's Connect client and admin session. The panel is served by the box itself, so
 * the API is on the same origin. The session token lives in memory and sessionStorage (gone when
 * the tab closes) and travels as `authorization: Bearer`.
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createSignal } from "solid-js";
import { ConfigService } from "#gen/novabox/config/v1/config_service_pb.js";
import { AccountService } from "#gen/novabox/account/v1/account_service_pb.js";

const transport = createConnectTransport({ baseUrl: window.location.origin });

/** ConfigService of this Novabox. */
export const config = createClient(ConfigService, transport);

/** AccountService of this Novabox: the monthly account. */
export const account = createClient(AccountService, transport);

const storageKey = "novabox.session";
const [token, setToken] = createSignal<string | undefined>(sessionStorage.getItem(storageKey) ?? undefined);

/** The current admin session token, if signed in. */
export const sessionToken = token;

/** Keeps (or, with undefined, forgets) the admin session token. */
export function setSession(value: string | undefined): void {
  if (value) sessionStorage.setItem(storageKey, value);
  else sessionStorage.removeItem(storageKey);
  setToken(value);
}

/** Call options carrying the admin session. */
export function adminAuth(): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token() ?? ""}` } };
}
