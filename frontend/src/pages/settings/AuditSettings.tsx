import { useId } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import { allPages } from "../../api/pages";
import type { AuditEntry, AuditQuery } from "../../api/types";
import { useUrlState } from "../../app/urlState";
import { ErrorMessage } from "../../components/ui/ErrorMessage";
import { Pager, totalOf } from "../../components/ui/Pager";
import { Loading } from "../../components/ui/Spinner";
import { EmptyRow, TableShell, TD } from "../../components/ui/Table";
import { useFormat } from "../../i18n/format";
import { Select } from "../../features/teachers/Filters";
import { Section, useIsAdmin } from "../../features/settings/Section";

const PAGE_SIZE = 50;
/** The collections the audit log names (`entity`). */
const ENTITIES = ["teachers", "schools", "projects", "stages", "alertrules", "users", "settings", "userpreferences"] as const;
const MASK = "***";

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function Changes({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  const changes = entry.changes ?? [];
  const details = Object.entries(entry.details ?? {});
  if (!changes.length && !details.length) return null;
  return (
    <ul className="flex flex-col gap-0.5">
      {changes.map((change) => (
        <li key={change.field} className="break-words">
          <code className="text-xs font-semibold">{change.field}</code>{" "}
          <span className="sr-only">{t("settings.audit.from")}</span>
          <del className={change.from === MASK ? "muted" : "text-red-800 dark:text-red-300"}>{show(change.from)}</del>
          <span aria-hidden="true"> → </span>
          <span className="sr-only">{t("settings.audit.to")}</span>
          <ins className={change.to === MASK ? "muted no-underline" : "text-green-800 no-underline dark:text-green-300"}>{show(change.to)}</ins>
        </li>
      ))}
      {details.map(([key, value]) => (
        <li key={key} className="break-words">
          <code className="text-xs font-semibold">{key}</code> {show(value)}
        </li>
      ))}
    </ul>
  );
}

function Subject({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  const kind = t(`settings.audit.entities.${entry.entity}`, { defaultValue: entry.entity });
  const id = entry.entityId ?? "";
  const target = entry.entity === "teachers" ? `/teachers/${id}` : entry.entity === "schools" ? `/schools/${id}` : null;
  return (
    <span>
      {kind}{" "}
      {target && id ? (
        <Link to={target} className="link font-mono text-xs">
          {id}
        </Link>
      ) : (
        <span className="font-mono text-xs">{id}</span>
      )}
    </span>
  );
}

/** The audit log (admins): who changed what and when, with the masked field-level diffs the API records. */
export default function AuditSettings() {
  const { t } = useTranslation();
  const format = useFormat();
  const { params, update, page } = useUrlState();
  const isAdmin = useIsAdmin();
  const fromId = useId();
  const toId = useId();
  const actor = params.get("actor") ?? "";
  const entity = params.get("entity") ?? "";
  const entityId = params.get("entityId") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const users = useQuery({
    queryKey: ["users"],
    queryFn: () => allPages((page) => api.GET("/api/users", { params: { query: { includeInactive: true, ...page } } })),
    enabled: isAdmin,
  });
  const query: AuditQuery = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  if (actor) query.actor = actor;
  if (entity) query.entity = entity;
  if (entityId) query.entityId = entityId;
  if (from) query.from = from;
  // "to" is a day: entries up to the end of it.
  if (to) query.to = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString();
  const entries = useQuery({
    queryKey: ["audit", query],
    queryFn: async () => {
      const result = await api.GET("/api/audit", { params: { query } });
      return { rows: unwrap(result), total: totalOf(result.response) };
    },
    placeholderData: keepPreviousData,
    enabled: isAdmin,
  });
  const total = entries.data?.total ?? 0;

  return (
    <Section id="audit" adminOnly>
      <div className="card grid grid-cols-1 gap-3 p-3 sm:grid-cols-2 lg:grid-cols-4">
        <Select label={t("settings.audit.user")} value={actor} onChange={(v) => update({ actor: v || null })}>
          <option value="">{t("common.any")}</option>
          {(users.data ?? []).map((u) => (
            <option key={u._id} value={u.email}>
              {u.name} ({u.email})
            </option>
          ))}
        </Select>
        <Select label={t("settings.audit.entity")} value={entity} onChange={(v) => update({ entity: v || null, entityId: null })}>
          <option value="">{t("common.any")}</option>
          {ENTITIES.map((e) => (
            <option key={e} value={e}>
              {t(`settings.audit.entities.${e}`)}
            </option>
          ))}
        </Select>
        <div>
          <label htmlFor={fromId} className="label">
            {t("settings.audit.fromDate")}
          </label>
          <input id={fromId} type="date" className="input" value={from} onChange={(e) => update({ from: e.target.value || null })} />
        </div>
        <div>
          <label htmlFor={toId} className="label">
            {t("settings.audit.toDate")}
          </label>
          <input id={toId} type="date" className="input" value={to} onChange={(e) => update({ to: e.target.value || null })} />
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <p role="status" className="text-sm muted">
          {entries.data ? t("settings.audit.count", { count: total, formatted: format.number(total) }) : ""}
        </p>
        {entityId ? (
          <button type="button" className="btn btn-small" onClick={() => update({ entityId: null })}>
            {t("settings.audit.allRecords")}
          </button>
        ) : null}
      </div>
      {entries.error ? <ErrorMessage error={entries.error} /> : null}
      {entries.isLoading ? (
        <Loading />
      ) : (
        <TableShell
          caption={t("settings.audit.caption")}
          busy={entries.isFetching}
          columns={[t("settings.audit.when"), t("settings.audit.who"), t("settings.audit.action"), t("settings.audit.record"), t("settings.audit.changes")]}
        >
          {(entries.data?.rows ?? []).map((entry) => (
            <tr key={entry._id}>
              <td className={`${TD} whitespace-nowrap`}>{format.dateTime(entry.at)}</td>
              <td className={TD}>
                {entry.actor}
                {entry.role ? <span className="block text-xs muted">{t(`roles.${entry.role}`, { defaultValue: entry.role })}</span> : null}
              </td>
              <td className={TD}>
                <code className="text-xs">{entry.action}</code>
              </td>
              <td className={TD}>
                <Subject entry={entry} />
              </td>
              <td className={`${TD} max-w-xl text-xs`}>
                <Changes entry={entry} />
              </td>
            </tr>
          ))}
          {entries.data && entries.data.rows.length === 0 ? <EmptyRow colSpan={5}>{t("settings.audit.none")}</EmptyRow> : null}
        </TableShell>
      )}
      <Pager page={page} size={PAGE_SIZE} total={total} label={t("settings.audit.pagination")} onPage={(p) => update({ page: p }, false)} />
    </Section>
  );
}
