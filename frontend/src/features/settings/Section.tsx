import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { hasRole, useAuth } from "../../app/auth";
import { useMaintenance } from "../../app/health";
import { usePageTitle } from "../../app/title";
import { Alert } from "../../components/ui/Alert";

type SectionProps = {
  /** settings.<id>.title / .intro in the catalogs. */
  id: string;
  /** Only admins may open it (others get a message; the API refuses them anyway). */
  adminOnly?: boolean;
  actions?: ReactNode;
  /** The screen's "New …" button (shown when the user may use it). */
  create?: { label: string; onClick: () => void } | null;
  children: ReactNode;
};

/** One settings screen: its heading (level 2 under "Settings"), an introduction and its content. */
export function Section({ id, adminOnly, actions, create, children }: SectionProps) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const title = t(`settings.${id}.title`);
  usePageTitle(`${title} · ${t("nav.settings")}`);
  const allowed = !adminOnly || hasRole(user, "admin");
  return (
    <section aria-labelledby="section-title" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end gap-3">
        <h2 id="section-title" className="mr-auto text-xl font-semibold">
          {title}
        </h2>
        {allowed ? actions : null}
        {allowed && create ? (
          <button type="button" className="btn btn-primary" onClick={create.onClick}>
            {create.label}
          </button>
        ) : null}
      </div>
      <p className="max-w-3xl text-sm muted">{t(`settings.${id}.intro`)}</p>
      {allowed ? children : <Alert>{t("settings.adminOnly")}</Alert>}
    </section>
  );
}

/** Admins change projects, stages, alert rules and users (not during maintenance); others read. */
export function useCanAdminister(): boolean {
  const { user } = useAuth();
  const { enabled } = useMaintenance();
  return hasRole(user, "admin") && !enabled;
}

/** Whether the signed-in user is an admin (admin screens load nothing for others). */
export function useIsAdmin(): boolean {
  const { user } = useAuth();
  return hasRole(user, "admin");
}
