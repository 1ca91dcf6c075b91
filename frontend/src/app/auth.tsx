import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import {
  currentSession,
  onSessionChange,
  renewSession,
  signIn,
  signOut,
  type Session,
} from "../api/session";
import type { User } from "../api/types";

type Status = "starting" | "signed-in" | "signed-out";
type AuthValue = {
  status: Status;
  user: User | null;
  /** Why the last session ended: "expired" sends the user back where they were after sign-in. */
  ended: "expired" | "signed-out" | null;
  signIn: (email: string, password: string) => Promise<Session>;
  signOut: () => Promise<void>;
};

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session | null>(currentSession());
  const [status, setStatus] = useState<Status>(currentSession() ? "signed-in" : "starting");
  const [ended, setEnded] = useState<AuthValue["ended"]>(null);

  useEffect(() => {
    const stop = onSessionChange((next, reason) => {
      setSession(next);
      setStatus(next ? "signed-in" : "signed-out");
      if (reason === "ended") {
        setEnded(manualSignOut ? "signed-out" : "expired");
        manualSignOut = false;
        queryClient.clear();
      } else {
        setEnded(null);
      }
    });
    // A reload keeps the session through the HttpOnly refresh cookie.
    if (!currentSession()) {
      void renewSession().then((renewed) => {
        if (!renewed) {
          setStatus("signed-out");
          setEnded(null);
        }
      });
    }
    return () => {
      stop();
    };
  }, [queryClient]);

  const value = useMemo<AuthValue>(
    () => ({
      status,
      user: session?.user ?? null,
      ended,
      signIn,
      signOut: async () => {
        manualSignOut = true;
        await signOut();
      },
    }),
    [status, session, ended],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

/** Set while the user signs out, so the ending is not mistaken for an expired session. */
let manualSignOut = false;

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

const RANK: Record<string, number> = { viewer: 1, editor: 2, admin: 3 };

export function hasRole(user: User | null, role: "viewer" | "editor" | "admin"): boolean {
  return (RANK[user?.role ?? ""] ?? 0) >= (RANK[role] ?? 99);
}
