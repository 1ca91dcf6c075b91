import { useEffect, useId, useRef, useState } from "react";
import { NavLink, Outlet, useNavigate, Link } from "react-router";
import { useTranslation } from "react-i18next";
import { useAuth } from "./auth";
import { useProject } from "./project";
import { useMaintenance } from "./health";
import { LANGUAGES } from "../i18n";
import { Alert } from "../components/ui/Alert";
import { useErrorText } from "../components/ui/ErrorMessage";
import { applyTheme, THEMES, type ThemeChoice } from "./theme";
import { usePref } from "./prefs";

const NAV = [
  { to: "/", key: "nav.dashboard", end: true },
  { to: "/teachers", key: "nav.teachers", end: false },
  { to: "/schools", key: "nav.schools", end: false },
  { to: "/documents", key: "nav.documents", end: false },
  { to: "/settings", key: "nav.settings", end: false },
] as const;

function ProjectSelector() {
  const { t } = useTranslation();
  const { projects, projectId, setProjectId, loading } = useProject();
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="text-sm font-medium">
        {t("shell.project")}
      </label>
      <select
        id={id}
        className="input w-56"
        value={projectId ?? ""}
        disabled={loading || projects.length === 0}
        onChange={(event) => setProjectId(event.target.value)}
      >
        {projects.length === 0 ? <option value="">{t("shell.noProjects")}</option> : null}
        {projects.map((project) => (
          <option key={project._id} value={project._id}>
            {project.name} ({project.code})
          </option>
        ))}
      </select>
    </div>
  );
}

function LanguageSelector() {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="text-sm font-medium">
        {t("shell.language")}
      </label>
      <select
        id={id}
        className="input w-32"
        value={i18n.language}
        onChange={(event) => void i18n.changeLanguage(event.target.value)}
      >
        {LANGUAGES.map((language) => (
          <option key={language.code} value={language.code} lang={language.code}>
            {language.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function ThemeSelector() {
  const { t } = useTranslation();
  // The remembered choice (it may also change on the Preferences screen or at sign-in).
  const stored = usePref("theme");
  const theme: ThemeChoice = stored === "light" || stored === "dark" ? stored : "system";
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="text-sm font-medium">
        {t("shell.theme")}
      </label>
      <select
        id={id}
        className="input w-28"
        value={theme}
        onChange={(event) => {
          applyTheme(event.target.value as ThemeChoice);
        }}
      >
        {THEMES.map((choice) => (
          <option key={choice} value={choice}>
            {t(`shell.themes.${choice}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

function AccountMenu() {
  const { t } = useTranslation();
  const { user, signOut } = useAuth();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const details = useRef<HTMLDetailsElement>(null);
  const [failure, setFailure] = useState<string | null>(null);
  if (!user) return null;
  return (
    <details ref={details} className="relative">
      <summary className="btn cursor-pointer list-none">
        <span>{user.name}</span>
        <span className="rounded bg-slate-200 px-1.5 text-xs text-slate-800 dark:bg-slate-700 dark:text-slate-100">
          {t(`roles.${user.role}`)}
        </span>
      </summary>
      <div className="card absolute right-0 z-20 mt-1 flex w-56 flex-col gap-1 p-2">
        <p className="px-2 py-1 text-xs muted">{user.email}</p>
        <Link
          to="/account/password"
          className="rounded px-2 py-1 text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
          onClick={() => details.current?.removeAttribute("open")}
        >
          {t("account.changePassword")}
        </Link>
        <button
          type="button"
          className="rounded px-2 py-1 text-left text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
          onClick={() => {
            setFailure(null);
            signOut().then(
              () => navigate("/login", { replace: true }),
              (error: unknown) => setFailure(t("account.signOutFailed", { reason: errorText(error) })),
            );
          }}
        >
          {t("account.signOut")}
        </button>
        {failure ? <Alert>{failure}</Alert> : null}
      </div>
    </details>
  );
}

export function Layout() {
  const { t } = useTranslation();
  const maintenance = useMaintenance();
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    main.current?.focus({ preventScroll: true });
  }, []);
  return (
    <div className="flex min-h-screen flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 btn">
        {t("shell.skipToContent")}
      </a>
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-center gap-4 px-4 py-2">
          <Link to="/" className="text-lg font-bold text-blue-800 dark:text-blue-300">
            {t("app.name")}
          </Link>
          <ProjectSelector />
          <div className="ml-auto flex flex-wrap items-center gap-3">
            <LanguageSelector />
            <ThemeSelector />
            <AccountMenu />
          </div>
        </div>
        <nav aria-label={t("nav.label")} className="px-4">
          <ul className="flex gap-1">
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink
                  to={item.to}
                  end={item.end}
                  className={({ isActive }) =>
                    `inline-block border-b-2 px-3 py-2 text-sm font-medium ${
                      isActive
                        ? "border-blue-700 text-blue-800 dark:border-blue-400 dark:text-blue-200"
                        : "border-transparent text-slate-700 hover:text-slate-950 dark:text-slate-300 dark:hover:text-white"
                    }`
                  }
                >
                  {t(item.key)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      {maintenance.enabled ? (
        <div role="status" className="border-b border-amber-300 bg-amber-100 px-4 py-2 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
          <strong>{t("shell.maintenance")}</strong> {maintenance.message ?? ""}
        </div>
      ) : null}
      <main id="main" ref={main} tabIndex={-1} className="flex-1 px-4 py-4 outline-none">
        <Outlet />
      </main>
    </div>
  );
}
