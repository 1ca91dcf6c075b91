import { useId, useState } from "react";
import { useIsMutating } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useAuth } from "../../app/auth";
import { columnsKey, usePreferences, useSavePreferences } from "../../app/preferences";
import { getJsonPref, setPref, usePref } from "../../app/prefs";
import { useProject } from "../../app/project";
import { applyTheme, THEMES, type ThemeChoice } from "../../app/theme";
import { Alert } from "../../components/ui/Alert";
import { ErrorMessage, useErrorText } from "../../components/ui/ErrorMessage";
import { Loading } from "../../components/ui/Spinner";
import { LANGUAGES } from "../../i18n";
import { Section } from "../../features/settings/Section";
import { COLUMNS, DEFAULT_COLUMNS } from "../../features/teachers/columns";

/**
 * Language, theme, default project and the teachers list's columns — saved on the server for this
 * user (they follow them to another browser) and applied here at once.
 */
export default function PreferencesSettings() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const { projects } = useProject();
  const prefs = usePreferences();
  const save = useSavePreferences();
  const errorText = useErrorText();
  const ids = { language: useId(), theme: useId(), project: useId() };
  const [saved, setSaved] = useState(false);
  const theme = (usePref("theme") as ThemeChoice | null) ?? "system";
  const key = columnsKey(user?._id);
  usePref(key);
  const columns = getJsonPref<string[]>(key, DEFAULT_COLUMNS);

  const saving = useIsMutating({ mutationKey: ["preferences"] }) > 0;
  const changed = () => setSaved(true);
  const setColumns = (next: string[]) => {
    setPref(key, JSON.stringify(next)); // PreferencesSync sends it to the server
    changed();
  };

  return (
    <Section id="preferences">
      {prefs.error ? <ErrorMessage error={prefs.error} /> : null}
      {save.error ? <Alert>{errorText(save.error)}</Alert> : null}
      {prefs.isLoading ? (
        <Loading />
      ) : (
        <div className="card flex max-w-xl flex-col gap-4 p-4">
          <div>
            <label htmlFor={ids.language} className="label">
              {t("shell.language")}
            </label>
            <select
              id={ids.language}
              className="input"
              value={i18n.language}
              onChange={(e) => {
                void i18n.changeLanguage(e.target.value);
                changed();
              }}
            >
              {LANGUAGES.map((language) => (
                <option key={language.code} value={language.code} lang={language.code}>
                  {language.label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={ids.theme} className="label">
              {t("shell.theme")}
            </label>
            <select
              id={ids.theme}
              className="input"
              value={theme}
              onChange={(e) => {
                applyTheme(e.target.value as ThemeChoice);
                changed();
              }}
            >
              {THEMES.map((choice) => (
                <option key={choice} value={choice}>
                  {t(`shell.themes.${choice}`)}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={ids.project} className="label">
              {t("settings.preferences.defaultProject")}
            </label>
            <select
              id={ids.project}
              className="input"
              aria-describedby={`${ids.project}-hint`}
              value={prefs.data?.defaultProject ?? ""}
              onChange={(e) => {
                save.mutate({ defaultProject: e.target.value || null }, { onSuccess: changed });
              }}
            >
              <option value="">{t("settings.preferences.lastUsed")}</option>
              {projects.map((project) => (
                <option key={project._id} value={project._id}>
                  {project.name} ({project.code})
                </option>
              ))}
            </select>
            <p id={`${ids.project}-hint`} className="mt-1 text-xs muted">
              {t("settings.preferences.defaultProjectHint")}
            </p>
          </div>
          <fieldset>
            <legend className="label">{t("settings.preferences.columns")}</legend>
            <div className="grid grid-cols-1 gap-1 sm:grid-cols-2">
              {COLUMNS.map((col) => (
                <label key={col.id} className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    className="h-4 w-4"
                    checked={columns.includes(col.id)}
                    disabled={col.id === "name"}
                    onChange={(e) => setColumns(e.target.checked ? COLUMNS.map((c) => c.id).filter((id) => id === col.id || columns.includes(id)) : columns.filter((id) => id !== col.id))}
                  />
                  {t(`teachers.columns.${col.id}`)}
                </label>
              ))}
            </div>
            <button type="button" className="btn btn-small mt-2" onClick={() => setColumns([...DEFAULT_COLUMNS])}>
              {t("settings.preferences.resetColumns")}
            </button>
          </fieldset>
          <p role="status" className="text-sm muted">
            {saving ? t("settings.preferences.saving") : saved && !save.error ? t("settings.preferences.saved") : ""}
          </p>
        </div>
      )}
    </Section>
  );
}
