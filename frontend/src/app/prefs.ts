/**
 * Preferences kept in this browser (never secrets): language, theme, and per-user choices
 * (project, list columns). One small store with a subscription, so the later settings screen
 * can move them to the server without touching the components that read them.
 */
import { useSyncExternalStore } from "react";

const PREFIX = "fetms.";
const listeners = new Set<() => void>();

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(PREFIX + key);
  } catch {
    return null;
  }
}

export function getPref(key: string): string | null {
  return read(key);
}

export function setPref(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(PREFIX + key);
    else window.localStorage.setItem(PREFIX + key, value);
  } catch {
    /* storage disabled: the preference lasts for this page only */
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function usePref(key: string): string | null {
  return useSyncExternalStore(subscribe, () => read(key), () => null);
}

export function getJsonPref<T>(key: string, fallback: T): T {
  const raw = read(key);
  if (raw === null) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}
