/**
 * Preferences stored per user on the server (`/api/auth/me/preferences`), so they follow the user
 * to another browser. This browser keeps a copy in app/prefs (what the components read); at the
 * start of a session the server's choices are applied here, then local changes (language, theme,
 * list columns) are sent back. The default project is chosen on the Preferences screen and
 * opens the app on that project at the start of each session.
 */
import { useEffect, useRef } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { Preferences, PreferencesUpdate } from "../api/types";
import { useAuth } from "./auth";
import { setPref, usePref } from "./prefs";
import { applyTheme } from "./theme";

export const columnsKey = (userId: string | undefined) => `columns.${userId ?? "anonymous"}`;
export const projectKey = (userId: string | undefined) => `project.${userId ?? "anonymous"}`;

export function usePreferences() {
  const { user } = useAuth();
  return useQuery({
    queryKey: ["preferences", user?._id],
    queryFn: async () => unwrap(await api.GET("/api/auth/me/preferences")),
    enabled: !!user,
    staleTime: Infinity,
    retry: 1,
  });
}

export function useSavePreferences() {
  const { user } = useAuth();
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: ["preferences"],
    mutationFn: async (changes: PreferencesUpdate) => unwrap(await api.PUT("/api/auth/me/preferences", { body: changes })),
    onSuccess: (saved) => queryClient.setQueryData<Preferences>(["preferences", user?._id], saved),
  });
}

function sameColumns(local: string | null, remote: readonly string[] | null | undefined): boolean {
  return local === null || JSON.stringify(remote ?? null) === local;
}

/** Applies the server's preferences once per session, then sends local changes to the server. */
export function PreferencesSync() {
  const { user } = useAuth();
  const { i18n } = useTranslation();
  const prefs = usePreferences();
  const save = useSavePreferences();
  const applied = useRef(false);
  const language = usePref("language");
  const theme = usePref("theme");
  const columns = usePref(columnsKey(user?._id));
  const server = prefs.data;

  // What this browser had when the session started: a choice the user makes before the server's
  // preferences arrive is theirs to keep (and is sent to the server below), not overwritten.
  const started = useRef({ language, theme, columns });

  useEffect(() => {
    if (!server || applied.current) return;
    applied.current = true;
    const untouched = started.current;
    if (server.language && language === untouched.language && server.language !== i18n.language) void i18n.changeLanguage(server.language);
    if ((server.theme === "light" || server.theme === "dark" || server.theme === "system") && theme === untouched.theme) applyTheme(server.theme);
    if (server.defaultProject) setPref(projectKey(user?._id), server.defaultProject);
    if (server.listColumns && columns === untouched.columns) setPref(columnsKey(user?._id), JSON.stringify(server.listColumns));
  }, [server, i18n, user?._id, language, theme, columns]);

  const { mutate, isPending } = save;
  useEffect(() => {
    if (!server || !applied.current || isPending) return;
    const changes: PreferencesUpdate = {};
    if ((language === "en" || language === "zh-TW") && language !== server.language) changes.language = language;
    if ((theme === "light" || theme === "dark" || theme === "system") && theme !== server.theme) changes.theme = theme;
    if (!sameColumns(columns, server.listColumns)) {
      try {
        changes.listColumns = JSON.parse(columns ?? "null") as PreferencesUpdate["listColumns"];
      } catch {
        /* an unreadable local value is not sent */
      }
    }
    if (Object.keys(changes).length > 0) mutate(changes);
  }, [server, language, theme, columns, mutate, isPending]);

  return null;
}
