import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Dashboard } from "../../api/types";
import { Badge } from "../../components/ui/Table";
import { useFormat } from "../../i18n/format";
import { expiryByRule, FIELD_DOCUMENT } from "./model";

/**
 * Per alert rule, the teachers whose documents cross it — documents already expired included
 * (FETMS dropped those) — each linking to the teacher's Documents tab.
 */
export function ExpiryWidget({ data }: { data: Dashboard }) {
  const { t } = useTranslation();
  const format = useFormat();
  const groups = expiryByRule(data);
  const when = (days: number | null, expired: boolean) =>
    days === null ? "" : expired ? t("dashboard.expiry.expiredAgo", { count: Math.abs(days) }) : t("dashboard.expiry.inDays", { count: days });
  return (
    <section aria-labelledby="expiry-title" className="card flex flex-col gap-3 p-4">
      <h2 id="expiry-title" className="text-lg font-semibold">
        {t("dashboard.expiry.title")}
      </h2>
      {groups.length === 0 ? <p className="text-sm muted">{t("dashboard.expiry.none")}</p> : null}
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-2">
        {groups.map((group) => {
          const headingId = `rule-${group.rule.replace(/\W+/g, "-")}`;
          return (
            <section key={group.rule} aria-labelledby={headingId} className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
              <h3 id={headingId} className="mb-2 flex flex-wrap items-center gap-2 font-semibold">
                <span className="mr-auto">{group.rule || t("dashboard.expiry.unnamedRule")}</span>
                <span className="text-xs font-normal muted">{t("dashboard.expiry.summary", { count: group.items.length, expired: group.expired })}</span>
              </h3>
              <ul className="flex max-h-72 flex-col gap-1 overflow-y-auto text-sm">
                {group.items.map((item) => {
                  const document = FIELD_DOCUMENT[item.field];
                  return (
                    <li key={item.key} className="flex flex-wrap items-center gap-2">
                      <Link to={`/teachers/${item.teacherId}?tab=documents`} className="link font-medium">
                        {item.name || t("teachers.unnamed")}
                      </Link>
                      <span className="muted">{document ? t(`documents.types.${document}`) : item.field}</span>
                      <span className="ml-auto tabular-nums">{format.date(item.expiryDate)}</span>
                      {item.expired ? <Badge tone="danger">{t("dashboard.expiry.expired")}</Badge> : <Badge tone="warning">{when(item.daysRemaining, false) || t("dashboard.expiry.expiring")}</Badge>}
                      {item.expired && item.daysRemaining !== null ? <span className="sr-only">{when(item.daysRemaining, true)}</span> : null}
                    </li>
                  );
                })}
              </ul>
            </section>
          );
        })}
      </div>
    </section>
  );
}
