/**
 * The signed-in session. The access token lives in this module's memory only; the refresh token
 * is an HttpOnly cookie the API sets for `/api/auth` (never visible to scripts). Renewal is
 * serialized — one refresh at a time in this tab (a shared promise) and across tabs (Web Locks) —
 * because refresh tokens rotate and replaying an old one ends the session.
 */
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import type { TokenOut, User } from "./types";
import { toApiError } from "./errors";

export type Session = { user: User; accessToken: string; expiresAt: number };
type Listener = (session: Session | null, reason: "signed-in" | "renewed" | "ended") => void;

const authClient = createClient<paths>({ baseUrl: "/", credentials: "same-origin" });

let current: Session | null = null;
let renewing: Promise<Session | null> | null = null;
let signingOut = false;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<Listener>();

export function currentSession(): Session | null {
  return current;
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function set(session: Session | null, reason: "signed-in" | "renewed" | "ended"): void {
  current = session;
  clearTimeout(timer);
  if (session) {
    // Renew a minute before the access token expires, so the user never sees it happen.
    const delay = Math.max(5_000, session.expiresAt - Date.now() - 60_000);
    timer = setTimeout(() => void renewSession(), delay);
  }
  for (const listener of listeners) listener(session, reason);
}

function fromTokens(tokens: TokenOut): Session {
  return {
    user: tokens.user,
    accessToken: tokens.accessToken,
    expiresAt: Date.parse(tokens.expiresAt),
  };
}

export async function signIn(email: string, password: string): Promise<Session> {
  const { data, error, response } = await authClient.POST("/api/auth/login", {
    body: { email, password, refreshCookie: true },
  });
  if (!data) {
    throw toApiError(response, error);
  }
  const session = fromTokens(data);
  set(session, "signed-in");
  return session;
}

async function withCrossTabLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  if (!locks) return work();
  return locks.request("fetms-session-refresh", work);
}

/** Exchange the refresh cookie for a new access token; null when the session has ended. */
export function renewSession(): Promise<Session | null> {
  if (signingOut) return Promise.resolve(null);
  renewing ??= withCrossTabLock(async () => {
    try {
      const { data, response } = await authClient.POST("/api/auth/refresh", {
        body: { refreshCookie: true },
      });
      if (data) {
        const session = fromTokens(data);
        set(session, current ? "renewed" : "signed-in");
        return session;
      }
      if (response.status === 401 || response.status === 400) {
        set(null, "ended");
        return null;
      }
      return current; // a transient failure (503, network): keep what we have
    } catch {
      return current;
    }
  }).finally(() => {
    renewing = null;
  });
  return renewing;
}

/**
 * End the session on the server, then here. The refresh cookie is HttpOnly: only the server can
 * clear it, so a sign-out the server did not confirm throws (the user is told and may retry)
 * instead of pretending — a reload would otherwise resume the session. A 401 means the session
 * had already ended. No renewal starts while signing out.
 */
export async function signOut(): Promise<void> {
  const token = current?.accessToken;
  if (token) {
    signingOut = true;
    try {
      const response = await authClient
        .POST("/api/auth/logout", { body: {}, headers: { Authorization: `Bearer ${token}` } })
        .then((result) => result.response)
        .catch(() => null);
      if (!response) throw new Error("The server could not be reached");
      if (!response.ok && response.status !== 401) throw toApiError(response, null);
    } finally {
      signingOut = false;
    }
  }
  set(null, "ended");
}

/** Forget the session locally (e.g. after a password change ended every session). */
export function forgetSession(): void {
  set(null, "ended");
}

/**
 * `fetch` for the API client: adds the bearer token, renews it when it is about to expire, and
 * retries once after a 401 with a renewed token; a session that cannot be renewed has ended.
 */
export async function authorizedFetch(request: Request): Promise<Response> {
  if (current && current.expiresAt - Date.now() < 15_000) await renewSession();
  const retry = request.clone();
  const send = (req: Request, token: string | undefined) => {
    if (token) req.headers.set("Authorization", `Bearer ${token}`);
    return fetch(req);
  };
  const response = await send(request, current?.accessToken);
  if (response.status !== 401 || !current) return response;
  const renewed = await renewSession();
  if (!renewed) return response;
  return send(retry, renewed.accessToken);
}
