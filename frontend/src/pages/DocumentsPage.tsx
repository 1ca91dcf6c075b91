import { useId, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { toApiError } from "../api/errors";
import type { VaultQuery, VaultRow } from "../api/types";
import { useProject } from "../app/project";
import { usePageTitle } from "../app/title";
import { useUrlState } from "../app/urlState";
import { Alert } from "../components/ui/Alert";
import { ErrorMessage, useErrorText } from "../components/ui/ErrorMessage";
import { Pager, totalOf } from "../components/ui/Pager";
import { Loading } from "../components/ui/Spinner";
import { Badge, EmptyRow, TableShell, TD, TH } from "../components/ui/Table";
import { useFormat } from "../i18n/format";
import { PreviewDialog, type Download } from "../features/documents/PreviewDialog";
import { SearchBox, Select } from "../features/teachers/Filters";
import { schoolName, useSchools } from "../features/teachers/lookups";

const PAGE_SIZE = 50;
const TYPES = ["passport", "arc", "contract", "workPermit", "adhoc"] as const;
const STATUSES = ["valid", "expiring", "expired", "missing"] as const;
type Status = (typeof STATUSES)[number];
const TONE = { valid: "success", expired: "danger", missing: "warning" } as const;

/** The documents vault: every document of the project's teachers in one table (FETMS: "coming soon"). */
export default function DocumentsPage() {
  const { t, i18n } = useTranslation();
  const title = t("nav.documents");
  usePageTitle(title);
  const format = useFormat();
  const errorText = useErrorText();
  const { projectId } = useProject();
  const schools = useSchools();
  const daysId = useId();
  const { params, update, page } = useUrlState();
  const type = params.get("type") ?? "";
  const status = (STATUSES as readonly string[]).includes(params.get("status") ?? "") ? (params.get("status") as Status) : null;
  const days = Math.min(3650, Math.max(0, Number(params.get("days") ?? 30) || 0));
  const search = params.get("search") ?? "";
  const school = params.get("school") ?? "";
  const teacherId = params.get("teacherId") ?? "";
  const order = params.get("order") === "desc" ? "desc" : "asc";
  const [preview, setPreview] = useState<Download | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const query: VaultQuery = { order, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  if (projectId) query.projectId = projectId;
  if (type) query.type = type as NonNullable<VaultQuery["type"]>;
  if (status === "expiring") query.expiringWithinDays = days;
  else if (status) query.status = status;
  if (search) query.search = search;
  if (school) query.school = school;
  if (teacherId) query.teacherId = teacherId;
  const list = useQuery({
    queryKey: ["documents", "vault", query],
    queryFn: async () => {
      const result = await api.GET("/api/documents", { params: { query } });
      return { rows: unwrap(result), total: totalOf(result.response) };
    },
    placeholderData: keepPreviousData,
  });
  const total = list.data?.total ?? 0;
  const schoolsById = new Map((schools.data ?? []).map((s) => [s._id, s]));

  const label = (row: VaultRow) => (row.type === "adhoc" ? row.name || t("documents.types.adhoc") : t(`documents.types.${row.type}`));
  const open = async (row: VaultRow, inline: boolean) => {
    setFailure(null);
    const disposition = inline ? ("inline" as const) : ("attachment" as const);
    const result =
      row.type === "adhoc" && row.docId
        ? await api.GET("/api/teachers/{id}/documents/adhoc/{doc_id}/url", { params: { path: { id: row.teacherId, doc_id: row.docId }, query: { disposition } } })
        : await api.GET("/api/teachers/{id}/documents/{type}/url", {
            params: { path: { id: row.teacherId, type: row.type as "passport" | "arc" | "contract" | "workPermit" }, query: { disposition } },
          });
    if (!result.data) {
      setFailure(errorText(toApiError(result.response, result.error)));
      return;
    }
    if (inline) setPreview(result.data);
    else window.location.assign(result.data.url);
  };
  const filtered = Boolean(type || status || search || school || teacherId);

  return (
    <section aria-labelledby="page-title" className="flex flex-col gap-4">
      <h1 id="page-title" className="text-2xl font-bold">
        {title}
      </h1>
      <div className="card grid grid-cols-1 gap-3 p-3 sm:grid-cols-2 lg:grid-cols-5">
        <Select label={t("vault.type")} value={type} onChange={(v) => update({ type: v || null })}>
          <option value="">{t("common.any")}</option>
          {TYPES.map((value) => (
            <option key={value} value={value}>
              {t(`documents.types.${value}`)}
            </option>
          ))}
        </Select>
        <Select label={t("vault.status")} value={status ?? ""} onChange={(v) => update({ status: v || null })}>
          <option value="">{t("common.any")}</option>
          {STATUSES.map((value) => (
            <option key={value} value={value}>
              {t(`vault.statuses.${value}`)}
            </option>
          ))}
        </Select>
        {status === "expiring" ? (
          <div>
            <label htmlFor={daysId} className="label">
              {t("vault.withinDays")}
            </label>
            <input id={daysId} type="number" min={0} max={3650} className="input" value={days} onChange={(e) => update({ days: e.target.value || null })} />
          </div>
        ) : null}
        <Select label={t("vault.school")} value={school} onChange={(v) => update({ school: v || null })}>
          <option value="">{t("common.any")}</option>
          {(schools.data ?? []).map((s) => (
            <option key={s._id} value={s._id}>
              {schoolName(s, i18n.language)}
            </option>
          ))}
        </Select>
        <SearchBox value={search} placeholder={t("vault.teacherPlaceholder")} onApply={(v) => update({ search: v || null })} />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <p role="status" className="text-sm muted">
          {list.data ? t("vault.count", { count: total, formatted: format.number(total) }) : ""}
        </p>
        {teacherId ? (
          <button type="button" className="btn btn-small" onClick={() => update({ teacherId: null })}>
            {t("vault.allTeachers")}
          </button>
        ) : null}
        {filtered ? (
          <button type="button" className="btn btn-small" onClick={() => update({ type: null, status: null, days: null, search: null, school: null, teacherId: null })}>
            {t("teachers.filters.clear")}
          </button>
        ) : null}
      </div>
      {failure ? <Alert>{failure}</Alert> : null}
      {list.error ? <ErrorMessage error={list.error} /> : null}
      {list.isLoading ? (
        <Loading />
      ) : (
        <TableShell
          caption={t("vault.caption")}
          busy={list.isFetching}
          head={
            <>
              <th scope="col" className={TH}>{t("vault.teacher")}</th>
              <th scope="col" className={TH}>{t("vault.school")}</th>
              <th scope="col" className={TH}>{t("vault.document")}</th>
              <th scope="col" className={TH}>{t("vault.status")}</th>
              <th scope="col" className={TH} aria-sort={order === "asc" ? "ascending" : "descending"}>
                <button type="button" className="inline-flex items-center gap-1 hover:underline" onClick={() => update({ order: order === "asc" ? "desc" : null })}>
                  {t("vault.expiryDate")}
                  <span aria-hidden="true">{order === "asc" ? "▲" : "▼"}</span>
                </button>
              </th>
              <th scope="col" className={TH}>{t("vault.uploadedAt")}</th>
              <th scope="col" className={TH}>{t("common.actions")}</th>
            </>
          }
        >
          {(list.data?.rows ?? []).map((row) => {
            const name = label(row);
            const placedAt = row.schoolId ? schoolsById.get(row.schoolId) : undefined;
            return (
              <tr key={`${row.teacherId}-${row.type}-${row.docId ?? ""}`}>
                <td className={TD}>
                  <Link to={`/teachers/${row.teacherId}?tab=documents`} className="link font-medium">
                    {row.teacherName.trim() || t("teachers.unnamed")}
                  </Link>
                </td>
                <td className={TD}>{placedAt ? schoolName(placedAt, i18n.language) : ""}</td>
                <td className={TD}>{name}</td>
                <td className={TD}>
                  <Badge tone={TONE[row.status as keyof typeof TONE] ?? "neutral"}>{t(`documents.statuses.${row.status}`, { defaultValue: row.status })}</Badge>
                </td>
                <td className={TD}>{format.date(row.expiryDate)}</td>
                <td className={TD}>{format.date(row.uploadedAt)}</td>
                <td className={`${TD} whitespace-nowrap`}>
                  {row.hasFile ? (
                    <div className="flex gap-2">
                      <button type="button" className="btn btn-small" aria-label={t("vault.openNamed", { name, teacher: row.teacherName })} onClick={() => void open(row, true)}>
                        {t("vault.open")}
                      </button>
                      <button type="button" className="btn btn-small" aria-label={t("vault.downloadNamed", { name, teacher: row.teacherName })} onClick={() => void open(row, false)}>
                        {t("documents.download")}
                      </button>
                    </div>
                  ) : null}
                </td>
              </tr>
            );
          })}
          {list.data && list.data.rows.length === 0 ? <EmptyRow colSpan={7}>{t("vault.noMatches")}</EmptyRow> : null}
        </TableShell>
      )}
      <Pager page={page} size={PAGE_SIZE} total={total} label={t("vault.pagination")} onPage={(p) => update({ page: p }, false)} />
      <PreviewDialog file={preview} onClose={() => setPreview(null)} />
    </section>
  );
}
