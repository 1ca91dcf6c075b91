import { lazy, Suspense, useCallback, useId, useMemo, useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { toApiError } from "../api/errors";
import type { Teacher } from "../api/types";
import { hasRole, useAuth } from "../app/auth";
import { useCanEdit } from "../app/health";
import { getJsonPref, setPref, usePref } from "../app/prefs";
import { useProject } from "../app/project";
import { usePageTitle } from "../app/title";
import { ErrorMessage, useErrorText } from "../components/ui/ErrorMessage";
import { Alert } from "../components/ui/Alert";
import { Loading } from "../components/ui/Spinner";
import { useFormat } from "../i18n/format";
import { ColumnChooser } from "../features/teachers/ColumnChooser";
import { DEFAULT_COLUMNS } from "../features/teachers/columns";
import { Filters, SearchBox } from "../features/teachers/Filters";
import { PAGE_SIZES, toQuery, useListState } from "../features/teachers/filters";
import { stageTitles, useSchools, useStages } from "../features/teachers/lookups";
import { NewTeacherDialog } from "../features/teachers/NewTeacherDialog";
import { TeacherTable } from "../features/teachers/TeacherTable";

const KanbanBoard = lazy(() => import("../features/board/KanbanBoard"));

export default function TeachersPage() {
  const { t } = useTranslation();
  const title = t("nav.teachers");
  usePageTitle(title);
  const { user } = useAuth();
  const canEdit = useCanEdit();
  const format = useFormat();
  const errorText = useErrorText();
  const { projectId } = useProject();
  const { state, update } = useListState();
  const mayListDeleted = hasRole(user, "editor");
  const [creating, setCreating] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const [restored, setRestored] = useState<Teacher | null>(null);
  const [restoreError, setRestoreError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const deletedId = useId();
  const stages = useStages();
  const schools = useSchools();
  const titles = stageTitles(stages.data);
  const stageTitle = useCallback(
    (id: string | null | undefined) => (id && titles.get(id)) || t("kanban.uncategorized"),
    [titles, t],
  );

  const columnsKey = `columns.${user?._id ?? "anonymous"}`;
  usePref(columnsKey);
  const visible = getJsonPref<string[]>(columnsKey, DEFAULT_COLUMNS);

  const query = toQuery({ ...state, deleted: state.deleted && mayListDeleted }, projectId);
  const list = useQuery({
    queryKey: ["teachers", "list", query],
    queryFn: async () => {
      const result = await api.GET("/api/teachers", { params: { query } });
      return { rows: unwrap(result), total: Number(result.response.headers.get("X-Total-Count") ?? 0) };
    },
    placeholderData: keepPreviousData,
    enabled: state.view === "list",
  });
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / state.size));

  const restore = useCallback(
    async (teacher: Teacher) => {
      setRestored(null);
      setRestoreError(null);
      const result = await api.PUT("/api/teachers/{id}/restore", {
        params: { path: { id: teacher._id }, header: { "If-Match": String(teacher.__v ?? 0) } },
      });
      if (!result.data) {
        setRestoreError(errorText(toApiError(result.response, result.error)));
        return;
      }
      setRestored(result.data);
      await queryClient.invalidateQueries({ queryKey: ["teachers"] });
      await queryClient.invalidateQueries({ queryKey: ["pipeline"] });
    },
    [errorText, queryClient],
  );
  const deletedMode = useMemo(
    () => (state.deleted && mayListDeleted ? { onRestore: (teacher: Teacher) => void restore(teacher), canRestore: canEdit } : undefined),
    [state.deleted, mayListDeleted, restore, canEdit],
  );

  const exportAs = async (fmt: "csv" | "xlsx") => {
    setExportError(null);
    const { limit: _limit, offset: _offset, deleted: _deleted, ...filters } = query;
    void _limit;
    void _offset;
    void _deleted;
    const result = await api.GET("/api/teachers/export", {
      params: { query: { ...filters, format: fmt } },
      parseAs: "blob",
    });
    if (!result.response.ok || !(result.data instanceof Blob)) {
      setExportError(errorText(toApiError(result.response, null)));
      return;
    }
    const name = /filename="([^"]+)"/.exec(result.response.headers.get("Content-Disposition") ?? "")?.[1] ?? `teachers.${fmt}`;
    const url = URL.createObjectURL(result.data);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <section aria-labelledby="page-title" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="page-title" className="mr-auto text-2xl font-bold">
          {title}
        </h1>
        <div role="group" aria-label={t("teachers.view")} className="inline-flex rounded-md shadow-sm">
          {(["list", "kanban"] as const).map((view) => (
            <button
              key={view}
              type="button"
              aria-pressed={state.view === view}
              className={`btn rounded-none first:rounded-l-md last:rounded-r-md ${state.view === view ? "btn-primary" : ""}`}
              onClick={() => update({ view: view === "list" ? null : view })}
            >
              {t(`teachers.views.${view}`)}
            </button>
          ))}
        </div>
        {canEdit ? (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            {t("teachers.newTeacher")}
          </button>
        ) : null}
      </div>

      {state.view === "list" ? (
        <>
          <div className="flex flex-wrap items-end gap-3">
            <SearchBox value={state.filters.search ?? ""} onApply={(v) => update({ search: v || null })} />
            <p role="status" className="text-sm muted">
              {list.data ? t("teachers.count", { count: total, formatted: format.number(total) }) : ""}
            </p>
            <div className="ml-auto flex flex-wrap gap-2">
              {mayListDeleted ? (
                <div className="flex items-center gap-2">
                  <input
                    id={deletedId}
                    type="checkbox"
                    className="h-4 w-4"
                    checked={state.deleted}
                    onChange={(e) => {
                      setRestored(null);
                      setRestoreError(null);
                      update({ deleted: e.target.checked ? "only" : null });
                    }}
                  />
                  <label htmlFor={deletedId} className="text-sm">
                    {t("teachers.showDeleted")}
                  </label>
                </div>
              ) : null}
              <ColumnChooser visible={visible} onChange={(next) => setPref(columnsKey, JSON.stringify(next))} />
              {state.deleted ? null : (
                <>
                  <button type="button" className="btn" onClick={() => void exportAs("csv")}>
                    {t("teachers.exportCsv")}
                  </button>
                  <button type="button" className="btn" onClick={() => void exportAs("xlsx")}>
                    {t("teachers.exportXlsx")}
                  </button>
                </>
              )}
            </div>
          </div>
          {restored ? (
            <Alert tone="success">
              {t("teachers.restored", { name: [restored.firstName, restored.lastName].filter(Boolean).join(" ") })}{" "}
              <Link to={`/teachers/${restored._id}`} className="link">
                {t("teachers.openProfile")}
              </Link>
            </Alert>
          ) : null}
          {restoreError ? <Alert>{restoreError}</Alert> : null}
          <Filters state={state} update={update} stages={stages.data ?? []} schools={schools.data ?? []} />
          {exportError ? <Alert>{exportError}</Alert> : null}
          {list.error ? <ErrorMessage error={list.error} /> : null}
          {list.isLoading ? (
            <Loading />
          ) : (
            <TeacherTable
              rows={list.data?.rows ?? []}
              total={total}
              visible={visible}
              sort={state.sort}
              order={state.order}
              onSort={(sort, order) => update({ sort, order })}
              stageTitle={stageTitle}
              busy={list.isFetching}
              deleted={deletedMode}
            />
          )}
          <nav aria-label={t("teachers.pagination")} className="flex flex-wrap items-center gap-3">
            <button type="button" className="btn" disabled={state.page <= 1} onClick={() => update({ page: state.page - 1 }, false)}>
              {t("common.previous")}
            </button>
            <span className="text-sm">{t("teachers.pageOf", { page: format.number(state.page), pages: format.number(pages) })}</span>
            <button type="button" className="btn" disabled={state.page >= pages} onClick={() => update({ page: state.page + 1 }, false)}>
              {t("common.next")}
            </button>
            <label className="ml-4 flex items-center gap-2 text-sm">
              {t("teachers.pageSize")}
              <select className="input w-20" value={state.size} onChange={(e) => update({ size: e.target.value })}>
                {PAGE_SIZES.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
          </nav>
        </>
      ) : (
        <Suspense fallback={<Loading />}>
          <KanbanBoard projectId={projectId} />
        </Suspense>
      )}
      <NewTeacherDialog open={creating} onClose={() => setCreating(false)} projectId={projectId} />
    </section>
  );
}
