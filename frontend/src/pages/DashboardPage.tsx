import { useEffect, useMemo, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { useProject } from "../app/project";
import { usePageTitle } from "../app/title";
import { useUrlState } from "../app/urlState";
import { ErrorMessage } from "../components/ui/ErrorMessage";
import { Loading } from "../components/ui/Spinner";
import { EmptyRow, TableShell, TD } from "../components/ui/Table";
import { useFormat } from "../i18n/format";
import { ChartCard } from "../features/dashboard/ChartCard";
import { ExpiryWidget } from "../features/dashboard/ExpiryWidget";
import { candidates, CHARTS, chartEntries, FILTERS, teachersLink, toQuery, type Filters } from "../features/dashboard/model";
import { stageTitles, useStages } from "../features/teachers/lookups";

const KPIS = ["totalTeachers", "activeSchools", "inRecruitment", "actionsNeeded"] as const;

/**
 * FETMS's dashboard for the selected project: KPIs, charts whose bars filter the whole dashboard
 * (removable chips; the filters and the project are in the URL, so a filtered dashboard can be
 * bookmarked), the expiry widget per alert rule and the candidates.
 */
export default function DashboardPage() {
  const { t } = useTranslation();
  const title = t("nav.dashboard");
  usePageTitle(title);
  const format = useFormat();
  const { projects, projectId, setProjectId, loading } = useProject();
  const { params, update } = useUrlState();
  const stages = useStages();
  const titles = stageTitles(stages.data);
  const filters = useMemo<Filters>(() => Object.fromEntries(FILTERS.flatMap((key) => (params.get(key) ? [[key, params.get(key) as string]] : []))), [params]);
  const urlProject = params.get("project");

  // A bookmarked dashboard opens its project; afterwards the URL follows the project selector.
  const [adopted, setAdopted] = useState(false);
  useEffect(() => {
    if (loading) return;
    if (!adopted) {
      setAdopted(true);
      if (urlProject && urlProject !== projectId && projects.some((p) => p._id === urlProject)) {
        setProjectId(urlProject);
        return;
      }
    }
    if (projectId && urlProject !== projectId) update({ project: projectId }, false);
  }, [loading, adopted, urlProject, projectId, projects, setProjectId, update]);

  const query = toQuery(filters, adopted ? projectId : (urlProject ?? projectId));
  const dashboard = useQuery({
    queryKey: ["dashboard", query],
    queryFn: async () => unwrap(await api.GET("/api/stats/dashboard", { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const data = dashboard.data;
  const chipLabel = (key: (typeof FILTERS)[number], value: string) => {
    if (key === "pipelineStage") return titles.get(value) ?? (value === "uncategorized" ? t("kanban.uncategorized") : value);
    return value === "Unspecified" ? t("common.unspecified") : value;
  };
  const active = FILTERS.filter((key) => filters[key]);
  const rows = data ? candidates(data) : [];

  return (
    <section aria-labelledby="page-title" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="page-title" className="mr-auto text-2xl font-bold">
          {title}
        </h1>
        <Link to={teachersLink(filters)} className="btn">
          {t("dashboard.openList")}
        </Link>
      </div>
      <div role="group" aria-label={t("dashboard.activeFilters")} className="flex min-h-8 flex-wrap items-center gap-2">
        {active.length === 0 ? <span className="text-sm muted">{t("dashboard.noFilters")}</span> : null}
        {active.map((key) => {
          const label = `${t(`dashboard.filters.${key}`)}: ${chipLabel(key, filters[key] ?? "")}`;
          return (
            <button key={key} type="button" className="btn btn-small rounded-full" aria-label={t("dashboard.removeFilter", { filter: label })} onClick={() => update({ [key]: null })}>
              {label} <span aria-hidden="true">✕</span>
            </button>
          );
        })}
        {active.length > 1 ? (
          <button type="button" className="btn btn-small" onClick={() => update(Object.fromEntries(FILTERS.map((key) => [key, null])))}>
            {t("teachers.filters.clear")}
          </button>
        ) : null}
      </div>
      {dashboard.error ? <ErrorMessage error={dashboard.error} /> : null}
      {dashboard.isLoading ? <Loading /> : null}
      {data ? (
        <>
          <div aria-busy={dashboard.isFetching} className="grid grid-cols-2 gap-3 lg:grid-cols-4">
            {KPIS.map((kpi) => (
              <div key={kpi} role="group" aria-labelledby={`kpi-${kpi}`} className="card p-4">
                <p id={`kpi-${kpi}`} className="text-sm font-medium muted">
                  {t(`dashboard.kpi.${kpi}`)}
                </p>
                <p className="mt-1 text-3xl font-bold tabular-nums">{format.number(data.kpi[kpi])}</p>
              </div>
            ))}
          </div>
          <div className="grid grid-cols-1 gap-4 lg:grid-cols-2 2xl:grid-cols-3">
            {CHARTS.map((chart) => (
              <ChartCard
                key={chart.id}
                id={chart.id}
                title={t(`dashboard.charts.${chart.id}`)}
                entries={chartEntries(data, chart.id)}
                active={filters[chart.filter]}
                onSelect={(entry) => update({ [chart.filter]: filters[chart.filter] === entry.value ? null : entry.value })}
              />
            ))}
          </div>
          <ExpiryWidget data={data} />
          <section aria-labelledby="candidates-title" className="flex flex-col gap-3">
            <div className="flex flex-wrap items-baseline gap-3">
              <h2 id="candidates-title" className="mr-auto text-lg font-semibold">
                {t("dashboard.candidates.title")}
              </h2>
              <p className="text-sm muted">{t("dashboard.candidates.shown", { shown: format.number(rows.length), total: format.number(data.candidatesTotal) })}</p>
              <Link to={teachersLink(filters)} className="link text-sm">
                {t("dashboard.candidates.all")}
              </Link>
            </div>
            <TableShell
              caption={t("dashboard.candidates.title")}
              busy={dashboard.isFetching}
              columns={[t("teachers.columns.name"), t("teachers.columns.email"), t("teachers.columns.nationality"), t("teachers.columns.stage")]}
            >
              {rows.map((row) => (
                <tr key={row.id}>
                  <td className={TD}>
                    <Link to={`/teachers/${row.id}`} className="link font-medium">
                      {row.name || t("teachers.unnamed")}
                    </Link>
                  </td>
                  <td className={TD}>{row.email}</td>
                  <td className={TD}>{row.nationality}</td>
                  <td className={TD}>{titles.get(row.stage) ?? (row.stage === "uncategorized" || !row.stage ? t("kanban.uncategorized") : row.stage)}</td>
                </tr>
              ))}
              {rows.length === 0 ? <EmptyRow colSpan={4}>{t("dashboard.candidates.none")}</EmptyRow> : null}
            </TableShell>
          </section>
        </>
      ) : null}
    </section>
  );
}
