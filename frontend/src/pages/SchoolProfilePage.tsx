import { useState, type ReactNode } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { useCanEdit } from "../app/health";
import { usePageTitle } from "../app/title";
import { useUrlState } from "../app/urlState";
import { ErrorMessage } from "../components/ui/ErrorMessage";
import { Pager, totalOf } from "../components/ui/Pager";
import { Loading } from "../components/ui/Spinner";
import { EmptyRow, TableShell, TD } from "../components/ui/Table";
import { useFormat } from "../i18n/format";
import { SchoolDialog } from "../features/schools/SchoolDialog";
import { field, schoolNames } from "../features/schools/format";
import { stageTitles, useStages } from "../features/teachers/lookups";

const PAGE_SIZE = 25;

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-semibold uppercase tracking-wide muted">{label}</dt>
      <dd className="mt-0.5 min-h-5">{children}</dd>
    </div>
  );
}

/** FETMS's SchoolProfile: contact details, principal, address and the teachers placed there (paged). */
export default function SchoolProfilePage() {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const canEdit = useCanEdit();
  const format = useFormat();
  const queryClient = useQueryClient();
  const { update, page } = useUrlState();
  const [editing, setEditing] = useState(false);
  const stages = useStages();
  const titles = stageTitles(stages.data);
  const school = useQuery({
    queryKey: ["schools", "detail", id],
    queryFn: async () => unwrap(await api.GET("/api/schools/{id}", { params: { path: { id } } })),
  });
  const teacherQuery = { school: id, sort: "lastName" as const, order: "asc" as const, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const teachers = useQuery({
    queryKey: ["teachers", "list", teacherQuery],
    queryFn: async () => {
      const result = await api.GET("/api/teachers", { params: { query: teacherQuery } });
      return { rows: unwrap(result), total: totalOf(result.response) };
    },
    placeholderData: keepPreviousData,
  });
  const names = school.data ? schoolNames(school.data, i18n.language) : { main: t("schools.profileTitle"), other: "" };
  usePageTitle(names.main);
  const data = school.data;
  const total = teachers.data?.total ?? 0;

  return (
    <section aria-labelledby="page-title" className="flex flex-col gap-4">
      <Link to="/schools" className="link text-sm">
        {t("schools.backToList")}
      </Link>
      {school.error ? <ErrorMessage error={school.error} /> : null}
      {school.isLoading ? <Loading /> : null}
      {data ? (
        <>
          <div className="flex flex-wrap items-end gap-3">
            <div className="mr-auto">
              <h1 id="page-title" className="text-2xl font-bold">
                {names.main}
              </h1>
              {names.other ? <p className="muted">{names.other}</p> : null}
            </div>
            {canEdit ? (
              <button type="button" className="btn" onClick={() => setEditing(true)}>
                {t("schools.editTitle")}
              </button>
            ) : null}
          </div>
          <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
            <section aria-labelledby="school-contact" className="card p-4">
              <h2 id="school-contact" className="mb-3 font-semibold">
                {t("schools.sections.contact")}
              </h2>
              <dl className="grid grid-cols-1 gap-3 text-sm">
                <Detail label={t("schools.fields.contactName")}>{field(data.contact, "name")}</Detail>
                <Detail label={t("schools.fields.contactPosition")}>{field(data.contact, "position")}</Detail>
                <Detail label={t("schools.fields.contactEmail")}>
                  {field(data.contact, "email") ? (
                    <a className="link" href={`mailto:${field(data.contact, "email")}`}>
                      {field(data.contact, "email")}
                    </a>
                  ) : null}
                </Detail>
                <Detail label={t("schools.fields.contactPhone")}>{field(data.contact, "phone")}</Detail>
              </dl>
            </section>
            <section aria-labelledby="school-principal" className="card p-4">
              <h2 id="school-principal" className="mb-3 font-semibold">
                {t("schools.sections.principal")}
              </h2>
              <dl className="grid grid-cols-1 gap-3 text-sm">
                <Detail label={t("schools.fields.principalChinese")}>{field(data.principal, "chineseName")}</Detail>
                <Detail label={t("schools.fields.principalEnglish")}>{field(data.principal, "englishName")}</Detail>
              </dl>
            </section>
            <section aria-labelledby="school-address" className="card p-4">
              <h2 id="school-address" className="mb-3 font-semibold">
                {t("schools.sections.address")}
              </h2>
              <dl className="grid grid-cols-1 gap-3 text-sm">
                <Detail label={t("schools.fields.addressChinese")}>{field(data.address, "chinese")}</Detail>
                <Detail label={t("schools.fields.addressEnglish")}>{field(data.address, "english")}</Detail>
              </dl>
            </section>
          </div>
          <section aria-labelledby="school-teachers" className="flex flex-col gap-3">
            <div className="flex flex-wrap items-baseline gap-3">
              <h2 id="school-teachers" className="text-lg font-semibold">
                {t("schools.sections.teachers")}
              </h2>
              <p role="status" className="text-sm muted">
                {teachers.data ? t("teachers.count", { count: total, formatted: format.number(total) }) : ""}
              </p>
            </div>
            {teachers.error ? <ErrorMessage error={teachers.error} /> : null}
            <TableShell
              caption={t("schools.teachersCaption", { name: names.main })}
              busy={teachers.isFetching}
              columns={[t("teachers.columns.name"), t("teachers.columns.email"), t("teachers.columns.stage"), t("teachers.columns.hiringStatus"), t("teachers.columns.contractEnd")]}
            >
              {(teachers.data?.rows ?? []).map((teacher) => (
                <tr key={teacher._id}>
                  <td className={TD}>
                    <Link to={`/teachers/${teacher._id}`} className="link font-medium">
                      {[teacher.firstName, teacher.lastName].filter(Boolean).join(" ") || t("teachers.unnamed")}
                    </Link>
                  </td>
                  <td className={TD}>{teacher.email}</td>
                  <td className={TD}>{(teacher.pipelineStage && titles.get(teacher.pipelineStage)) || t("kanban.uncategorized")}</td>
                  <td className={TD}>{teacher.personalInfo?.hiringStatus ?? ""}</td>
                  <td className={TD}>{format.date(teacher.contractDetails?.contractEndDate)}</td>
                </tr>
              ))}
              {teachers.data && teachers.data.rows.length === 0 ? <EmptyRow colSpan={5}>{t("schools.noTeachers")}</EmptyRow> : null}
            </TableShell>
            <Pager page={page} size={PAGE_SIZE} total={total} label={t("schools.teacherPages")} onPage={(p) => update({ page: p }, false)} />
          </section>
          <SchoolDialog
            open={editing}
            school={data}
            onClose={() => setEditing(false)}
            onSaved={() => void queryClient.invalidateQueries({ queryKey: ["schools", "detail", id] })}
          />
        </>
      ) : null}
    </section>
  );
}
