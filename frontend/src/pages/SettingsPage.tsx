import { NavLink, Outlet } from "react-router";
import { useTranslation } from "react-i18next";
import { hasRole, useAuth } from "../app/auth";

/** The settings sections; admin-only ones are listed for admins only (the API is the authority). */
export const SECTIONS = [
  { path: "projects", admin: false },
  { path: "stages", admin: false },
  { path: "alerts", admin: false },
  { path: "users", admin: true },
  { path: "preferences", admin: false },
  { path: "import", admin: true },
  { path: "audit", admin: true },
  { path: "operations", admin: true },
] as const;

export default function SettingsPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const isAdmin = hasRole(user, "admin");
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-bold">{t("nav.settings")}</h1>
      <div className="flex flex-col gap-6 md:flex-row">
        <nav aria-label={t("settings.sections")} className="md:w-52 md:shrink-0">
          <ul className="flex flex-wrap gap-1 md:flex-col">
            {SECTIONS.filter((s) => isAdmin || !s.admin).map((s) => (
              <li key={s.path}>
                <NavLink
                  to={`/settings/${s.path}`}
                  className={({ isActive }) =>
                    `block rounded-md px-3 py-1.5 text-sm font-medium ${
                      isActive ? "bg-blue-100 text-blue-900 dark:bg-blue-950 dark:text-blue-100" : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                    }`
                  }
                >
                  {t(`settings.${s.path}.title`)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="min-w-0 flex-1">
          <Outlet />
        </div>
      </div>
    </div>
  );
}
