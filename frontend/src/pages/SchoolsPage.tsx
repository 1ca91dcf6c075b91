import { useId, useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { toApiError } from "../api/errors";
import type { School } from "../api/types";
import { useCanEdit } from "../app/health";
import { usePageTitle } from "../app/title";
import { useUrlState } from "../app/urlState";
import { Outcome } from "../components/ui/Alert";
import { ErrorMessage, useErrorText } from "../components/ui/ErrorMessage";
import { Pager, totalOf } from "../components/ui/Pager";
import { ConfirmDialog } from "../components/ui/Prompts";
import { Loading } from "../components/ui/Spinner";
import { Badge, EmptyRow, TableShell, TD } from "../components/ui/Table";
import { useFormat } from "../i18n/format";
import { SearchBox } from "../features/teachers/Filters";
import { SchoolDialog } from "../features/schools/SchoolDialog";
import { field, schoolNames } from "../features/schools/format";

const PAGE_SIZE = 25;

export default function SchoolsPage() {
  const { t, i18n } = useTranslation();
  const title = t("nav.schools");
  usePageTitle(title);
  const canEdit = useCanEdit();
  const format = useFormat();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const deletedId = useId();
  const { params, update, page } = useUrlState();
  const search = params.get("search") ?? "";
  const showDeleted = params.get("deleted") === "include";
  const [editing, setEditing] = useState<School | null | "new">(null);
  const [deleting, setDeleting] = useState<School | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const query = { search: search || undefined, includeDeleted: showDeleted, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const list = useQuery({
    queryKey: ["schools", "page", query],
    queryFn: async () => {
      const result = await api.GET("/api/schools", { params: { query } });
      return { rows: unwrap(result), total: totalOf(result.response) };
    },
    placeholderData: keepPreviousData,
  });
  const total = list.data?.total ?? 0;
  const rows = list.data?.rows ?? [];

  const refresh = () => queryClient.invalidateQueries({ queryKey: ["schools"] });
  const restore = async (school: School) => {
    setNotice(null);
    setFailure(null);
    const result = await api.PUT("/api/schools/{id}/restore", {
      params: { path: { id: school._id }, header: { "If-Match": String(school.__v ?? 0) } },
    });
    if (!result.data) {
      setFailure(errorText(toApiError(result.response, result.error)));
      return;
    }
    setNotice(t("schools.restored", { name: schoolNames(result.data, i18n.language).main }));
    await refresh();
  };

  return (
    <section aria-labelledby="page-title" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="page-title" className="mr-auto text-2xl font-bold">
          {title}
        </h1>
        {canEdit ? (
          <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
            {t("schools.newSchool")}
          </button>
        ) : null}
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <SearchBox value={search} placeholder={t("schools.searchPlaceholder")} onApply={(v) => update({ search: v || null })} />
        <p role="status" className="text-sm muted">
          {list.data ? t("schools.count", { count: total, formatted: format.number(total) }) : ""}
        </p>
        <div className="ml-auto flex items-center gap-2">
          <input id={deletedId} type="checkbox" className="h-4 w-4" checked={showDeleted} onChange={(e) => update({ deleted: e.target.checked ? "include" : null })} />
          <label htmlFor={deletedId} className="text-sm">
            {t("schools.showDeleted")}
          </label>
        </div>
      </div>
      <Outcome notice={notice} failure={failure} />
      {list.error ? <ErrorMessage error={list.error} /> : null}
      {list.isLoading ? (
        <Loading />
      ) : (
        <TableShell
          caption={t("schools.tableCaption")}
          busy={list.isFetching}
          columns={[t("schools.columns.name"), t("schools.columns.otherName"), t("schools.columns.address"), t("schools.columns.contact"), t("schools.columns.phone"), canEdit && t("common.actions")]}
        >
          {rows.map((school) => {
            const names = schoolNames(school, i18n.language);
            const address = i18n.language.startsWith("zh") ? field(school.address, "chinese") || field(school.address, "english") : field(school.address, "english") || field(school.address, "chinese");
            return (
              <tr key={school._id}>
                <td className={TD}>
                  {school.isDeleted ? (
                    <span className="font-medium">
                      {names.main} <Badge>{t("schools.deleted")}</Badge>
                    </span>
                  ) : (
                    <Link to={`/schools/${school._id}`} className="link font-medium">
                      {names.main}
                    </Link>
                  )}
                </td>
                <td className={TD}>{names.other}</td>
                <td className={TD}>{address}</td>
                <td className={TD}>{field(school.contact, "name")}</td>
                <td className={TD}>{field(school.contact, "phone")}</td>
                {canEdit ? (
                  <td className={`${TD} whitespace-nowrap`}>
                    {school.isDeleted ? (
                      <button type="button" className="btn btn-small" aria-label={t("schools.restoreNamed", { name: names.main })} onClick={() => void restore(school)}>
                        {t("schools.restore")}
                      </button>
                    ) : (
                      <div className="flex gap-2">
                        <button type="button" className="btn btn-small" aria-label={t("schools.editNamed", { name: names.main })} onClick={() => setEditing(school)}>
                          {t("common.edit")}
                        </button>
                        <button type="button" className="btn btn-small" aria-label={t("schools.deleteNamed", { name: names.main })} onClick={() => setDeleting(school)}>
                          {t("common.delete")}
                        </button>
                      </div>
                    )}
                  </td>
                ) : null}
              </tr>
            );
          })}
          {rows.length === 0 && !list.isFetching ? <EmptyRow colSpan={canEdit ? 6 : 5}>{t("schools.noMatches")}</EmptyRow> : null}
        </TableShell>
      )}
      <Pager page={page} size={PAGE_SIZE} total={total} label={t("schools.pagination")} onPage={(p) => update({ page: p }, false)} />
      <SchoolDialog
        open={editing !== null}
        school={editing === "new" ? null : editing}
        onClose={() => setEditing(null)}
        onSaved={(saved) => {
          setFailure(null);
          setNotice(t("schools.saved", { name: schoolNames(saved, i18n.language).main }));
        }}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={t("schools.deleteTitle", { name: deleting ? schoolNames(deleting, i18n.language).main : "" })}
        description={t("schools.deleteBody")}
        confirmLabel={t("common.delete")}
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return null;
          const result = await api.DELETE("/api/schools/{id}", {
            params: { path: { id: deleting._id }, header: { "If-Match": String(deleting.__v ?? 0) } },
          });
          if (!result.data) return errorText(toApiError(result.response, result.error));
          setNotice(t("schools.deletedNotice", { name: schoolNames(deleting, i18n.language).main }));
          await refresh();
          return null;
        }}
      />
    </section>
  );
}
