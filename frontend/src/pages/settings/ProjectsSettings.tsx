import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { allPages } from "../../api/pages";
import { toApiError } from "../../api/errors";
import type { Project } from "../../api/types";
import { Outcome } from "../../components/ui/Alert";
import { ErrorMessage, useErrorText } from "../../components/ui/ErrorMessage";
import { Field } from "../../components/ui/Field";
import { ConfirmDialog } from "../../components/ui/Prompts";
import { Loading } from "../../components/ui/Spinner";
import { Badge, EmptyRow, TableShell, TD } from "../../components/ui/Table";
import { Section, useCanAdminister } from "../../features/settings/Section";
import { FormDialog } from "../../components/ui/FormDialog";

type Draft = { name: string; code: string; description: string };

/** Create a project (name, code, description) or rename one (code is immutable). */
function ProjectDialog({ project, open, onClose, onSaved }: { project: Project | null; open: boolean; onClose: () => void; onSaved: (p: Project) => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [draft, setDraft] = useState<Draft>({ name: "", code: "", description: "" });
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [openedFor, setOpenedFor] = useState<Project | null | undefined>(undefined);
  if (open && openedFor !== project) {
    setOpenedFor(project);
    setDraft({ name: project?.name ?? "", code: project?.code ?? "", description: project?.description ?? "" });
    setErrors({});
    setFailure(null);
  }
  if (!open && openedFor !== undefined) setOpenedFor(undefined);

  const submit = async () => {
    const missing: Partial<Record<keyof Draft, string>> = {};
    if (!draft.name.trim()) missing.name = t("validation.required");
    if (!project && !draft.code.trim()) missing.code = t("validation.required");
    setErrors(missing);
    if (Object.keys(missing).length) return;
    setBusy(true);
    setFailure(null);
    const description = draft.description.trim() || null;
    const result = project
      ? await api.PUT("/api/projects/{id}", {
          params: { path: { id: project._id }, header: { "If-Match": String(project.__v ?? 0) } },
          body: { name: draft.name.trim(), description },
        })
      : await api.POST("/api/projects", { body: { name: draft.name.trim(), code: draft.code.trim(), description } });
    setBusy(false);
    if (!result.data) {
      const error = toApiError(result.response, result.error);
      const fields = error.fieldErrors;
      const placed: Partial<Record<keyof Draft, string>> = {};
      for (const key of ["name", "code", "description"] as const) if (fields[key]) placed[key] = fields[key];
      if (error.status === 409 && !project) placed.code = error.problem?.message ?? errorText(error);
      setErrors(placed);
      if (!Object.keys(placed).length) setFailure(errorText(error));
      return;
    }
    onSaved(result.data);
    onClose();
  };

  return (
    <FormDialog open={open} onClose={onClose} title={project ? t("settings.projects.renameTitle", { name: project.name }) : t("settings.projects.new")} onSubmit={submit} failure={failure} busy={busy}>
      <Field label={t("settings.projects.name")} error={errors.name}>
        {(p) => <input {...p} className="input" autoComplete="off" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />}
      </Field>
      <Field label={t("settings.projects.code")} error={errors.code} hint={project ? t("settings.projects.codeFixed") : t("settings.projects.codeHint")}>
        {(p) => <input {...p} className="input" autoComplete="off" disabled={!!project} value={draft.code} onChange={(e) => setDraft({ ...draft, code: e.target.value })} />}
      </Field>
      <Field label={t("settings.projects.description")} error={errors.description}>
        {(p) => <textarea {...p} className="input" rows={3} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />}
      </Field>
    </FormDialog>
  );
}

export default function ProjectsSettings() {
  const { t } = useTranslation();
  const canAdminister = useCanAdminister();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Project | null | "new">(null);
  const [removing, setRemoving] = useState<Project | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const projects = useQuery({
    queryKey: ["projects", "all"],
    queryFn: () => allPages((page) => api.GET("/api/projects", { params: { query: { includeArchived: true, ...page } } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["projects"] });

  const setArchived = async (project: Project, archived: boolean) => {
    setNotice(null);
    setFailure(null);
    const params = { path: { id: project._id }, header: { "If-Match": String(project.__v ?? 0) } };
    const result = archived ? await api.DELETE("/api/projects/{id}", { params }) : await api.PUT("/api/projects/{id}/restore", { params });
    if (!result.data) {
      setFailure(errorText(toApiError(result.response, result.error)));
      return;
    }
    setNotice(t(archived ? "settings.projects.archived" : "settings.projects.restored", { name: project.name }));
    await refresh();
  };

  return (
    <Section
      id="projects"
      create={canAdminister ? { label: t("settings.projects.new"), onClick: () => setEditing("new") } : null}
    >
      <Outcome notice={notice} failure={failure} />
      {projects.error ? <ErrorMessage error={projects.error} /> : null}
      {projects.isLoading ? (
        <Loading />
      ) : (
        <TableShell
          caption={t("settings.projects.caption")}
          columns={[t("settings.projects.name"), t("settings.projects.code"), t("settings.projects.description"), t("settings.projects.state"), canAdminister && t("common.actions")]}
        >
          {(projects.data ?? []).map((project) => {
            const archived = project.isActive === false;
            return (
              <tr key={project._id}>
                <td className={`${TD} font-medium`}>{project.name}</td>
                <td className={TD}>{project.code}</td>
                <td className={TD}>{project.description ?? ""}</td>
                <td className={TD}>{archived ? <Badge>{t("settings.projects.archivedState")}</Badge> : <Badge tone="success">{t("settings.projects.activeState")}</Badge>}</td>
                {canAdminister ? (
                  <td className={`${TD} whitespace-nowrap`}>
                    <div className="flex gap-2">
                      <button type="button" className="btn btn-small" aria-label={t("settings.projects.renameNamed", { name: project.name })} onClick={() => setEditing(project)}>
                        {t("settings.projects.rename")}
                      </button>
                      {archived ? (
                        <>
                          <button type="button" className="btn btn-small" aria-label={t("settings.projects.restoreNamed", { name: project.name })} onClick={() => void setArchived(project, false)}>
                            {t("settings.projects.restore")}
                          </button>
                          <button type="button" className="btn btn-small" aria-label={t("settings.projects.deleteNamed", { name: project.name })} onClick={() => setRemoving(project)}>
                            {t("common.delete")}
                          </button>
                        </>
                      ) : (
                        <button type="button" className="btn btn-small" aria-label={t("settings.projects.archiveNamed", { name: project.name })} onClick={() => void setArchived(project, true)}>
                          {t("settings.projects.archive")}
                        </button>
                      )}
                    </div>
                  </td>
                ) : null}
              </tr>
            );
          })}
          {projects.data && projects.data.length === 0 ? <EmptyRow colSpan={5}>{t("settings.projects.none")}</EmptyRow> : null}
        </TableShell>
      )}
      <ProjectDialog
        open={editing !== null}
        project={editing === "new" ? null : editing}
        onClose={() => setEditing(null)}
        onSaved={(saved) => {
          setFailure(null);
          setNotice(t("settings.projects.saved", { name: saved.name }));
          void refresh();
        }}
      />
      <ConfirmDialog
        open={removing !== null}
        title={t("settings.projects.deleteTitle", { name: removing?.name ?? "" })}
        description={t("settings.projects.deleteBody")}
        confirmLabel={t("settings.projects.deleteForever")}
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          if (!removing) return null;
          const result = await api.DELETE("/api/projects/{id}/permanent", {
            params: { path: { id: removing._id }, header: { "If-Match": String(removing.__v ?? 0) } },
          });
          if (!result.data) return errorText(toApiError(result.response, result.error));
          setNotice(t("settings.projects.deleted", { name: removing.name }));
          await refresh();
          return null;
        }}
      />
    </Section>
  );
}
