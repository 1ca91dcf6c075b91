import { lazy, Suspense, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiError, toApiError } from "../api/errors";
import type { Teacher, TeacherUpdate } from "../api/types";
import { useCanEdit } from "../app/health";
import { usePageTitle } from "../app/title";
import { Alert } from "../components/ui/Alert";
import { Dialog } from "../components/ui/Dialog";
import { ErrorMessage, useErrorText } from "../components/ui/ErrorMessage";
import { Progress } from "../components/ui/Progress";
import { Loading } from "../components/ui/Spinner";
import { Tabs } from "../components/ui/Tabs";
import { Avatar } from "../features/board/Avatar";
import { uploadFile, UploadRefused } from "../features/documents/upload";
import { SectionCard } from "../features/profile/SectionCard";
import { SECTIONS } from "../features/profile/sections";
import { stageTitles, useStages } from "../features/teachers/lookups";
import { useFormat } from "../i18n/format";

const DocumentsTab = lazy(() => import("../features/documents/DocumentsTab"));

export function useTeacher(id: string) {
  return useQuery({
    queryKey: ["teachers", "one", id],
    queryFn: async () => {
      const result = await api.GET("/api/teachers/{id}", { params: { path: { id } } });
      return unwrap(result);
    },
  });
}

function AvatarUpload({ teacher, onDone }: { teacher: Teacher; onDone: () => void }) {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  return (
    <div className="flex flex-col gap-1">
      <label className="btn btn-small cursor-pointer">
        {t("profile.changePhoto")}
        <input
          ref={input}
          type="file"
          accept="image/jpeg,image/png,image/webp"
          className="sr-only"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            setFailure(null);
            setProgress(0);
            try {
              await uploadFile({ teacherId: teacher._id, kind: "avatar", file, confirm: {}, onProgress: setProgress });
              onDone();
            } catch (error) {
              setFailure(t(`documents.refused.${error instanceof UploadRefused ? error.failure.reason : "other"}`, { kind: t("profile.photo") }));
            } finally {
              setProgress(null);
              if (input.current) input.current.value = "";
            }
          }}
        />
      </label>
      {progress !== null ? <Progress label={t("documents.uploading")} value={progress} /> : null}
      {failure ? <Alert>{failure}</Alert> : null}
    </div>
  );
}

function StageTimeline({ teacher }: { teacher: Teacher }) {
  const { t } = useTranslation();
  const format = useFormat();
  const titles = stageTitles(useStages().data);
  const title = (id: string | null | undefined) => (id && titles.get(id)) || (id && id !== "uncategorized" ? t("profile.deletedStage") : t("kanban.uncategorized"));
  const history = [...(teacher.stageHistory ?? [])].reverse();
  return (
    <section aria-labelledby="stage-history" className="card p-4">
      <h2 id="stage-history" className="mb-3 text-lg font-semibold">
        {t("profile.stageHistory")}
      </h2>
      {history.length === 0 ? (
        <p className="muted">{t("profile.noStageHistory")}</p>
      ) : (
        <ol className="relative ml-2 border-l border-slate-300 dark:border-slate-600">
          {history.map((entry, index) => (
            <li key={`${entry.at ?? ""}-${index}`} className="mb-3 ml-4">
              <span aria-hidden="true" className="absolute -left-1.5 mt-1.5 h-3 w-3 rounded-full bg-blue-600" />
              <p className="text-sm font-medium">
                {entry.from === undefined || entry.from === null
                  ? t("profile.stageStart", { to: title(entry.to) })
                  : t("profile.stageMove", { from: title(entry.from), to: title(entry.to) })}
              </p>
              <p className="text-xs muted">{t("profile.byAt", { by: entry.by ?? "", at: format.dateTime(entry.at) })}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export default function TeacherProfilePage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const canEdit = useCanEdit();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") === "documents" ? "documents" : params.get("tab") === "history" ? "history" : "profile";
  const teacher = useTeacher(id);
  const [conflict, setConflict] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleted, setDeleted] = useState<Teacher | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const data = teacher.data;
  const name = data ? [data.firstName, data.middleName, data.lastName].filter(Boolean).join(" ") : "";
  usePageTitle(name || t("profile.title"));

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ["teachers"] });
    await queryClient.invalidateQueries({ queryKey: ["pipeline"] });
  };

  const save = async (body: TeacherUpdate) => {
    if (!data) return;
    const result = await api.PATCH("/api/teachers/{id}", {
      params: { path: { id }, header: { "If-Match": String(data.__v ?? 0) } },
      body,
    });
    if (!result.data) {
      const error = toApiError(result.response, result.error);
      if (error.status === 412) setConflict(true);
      throw error;
    }
    queryClient.setQueryData(["teachers", "one", id], { ...data, ...result.data });
    await refresh();
  };

  if (deleted) {
    return (
      <section aria-labelledby="page-title" className="flex flex-col gap-4">
        <h1 id="page-title" className="text-2xl font-bold">
          {[deleted.firstName, deleted.lastName].filter(Boolean).join(" ")}
        </h1>
        <Alert tone="warning">{t("profile.deletedNotice")}</Alert>
        {failure ? <Alert>{failure}</Alert> : null}
        <div className="flex gap-2">
          <button
            type="button"
            className="btn btn-primary"
            onClick={async () => {
              const result = await api.PUT("/api/teachers/{id}/restore", { params: { path: { id } } });
              if (!result.data) {
                setFailure(errorText(toApiError(result.response, result.error)));
                return;
              }
              setDeleted(null);
              await refresh();
            }}
          >
            {t("profile.restore")}
          </button>
          <Link to="/teachers" className="btn">
            {t("profile.backToList")}
          </Link>
        </div>
      </section>
    );
  }

  if (teacher.isLoading) return <Loading />;
  if (teacher.error || !data) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title" className="mb-4 text-2xl font-bold">
          {t("profile.title")}
        </h1>
        <ErrorMessage error={teacher.error} />
      </section>
    );
  }

  const stageTitle = stageTitles(queryClient.getQueryData(["stages"])).get(data.pipelineStage ?? "") ?? t("kanban.uncategorized");
  return (
    <section aria-labelledby="page-title" className="flex flex-col gap-4">
      <Link to="/teachers" className="link text-sm">
        {t("profile.backToList")}
      </Link>
      <div className="card flex flex-wrap items-center gap-4 p-4">
        <Avatar teacherId={data._id} picture={data.profilePicture} name={name} size="h-16 w-16" />
        <div className="mr-auto">
          <h1 id="page-title" className="text-2xl font-bold">
            {name}
          </h1>
          <p className="muted">
            {data.email} · {stageTitle}
          </p>
        </div>
        {canEdit ? (
          <div className="flex flex-wrap items-start gap-2">
            <AvatarUpload teacher={data} onDone={() => void refresh()} />
            <button type="button" className="btn btn-small btn-danger" onClick={() => setConfirmDelete(true)}>
              {t("profile.delete")}
            </button>
          </div>
        ) : null}
      </div>
      {failure ? <Alert>{failure}</Alert> : null}
      <Tabs
        label={t("profile.tabsLabel")}
        selected={tab}
        onSelect={(next) => setParams(next === "profile" ? {} : { tab: next }, { replace: true })}
        tabs={[
          { id: "profile", label: t("profile.tabs.profile") },
          { id: "documents", label: t("profile.tabs.documents") },
          { id: "history", label: t("profile.tabs.history") },
        ]}
      >
        {tab === "profile" ? (
          <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
            {SECTIONS.map((section) => (
              <SectionCard key={section.id} teacher={data} section={section} canEdit={canEdit} onSave={save} />
            ))}
          </div>
        ) : tab === "documents" ? (
          <Suspense fallback={<Loading />}>
            <DocumentsTab teacher={data} canEdit={canEdit} onChanged={refresh} />
          </Suspense>
        ) : (
          <StageTimeline teacher={data} />
        )}
      </Tabs>

      <Dialog open={conflict} role="alertdialog" title={t("conflict.title")} description={t("conflict.body")} onClose={() => setConflict(false)}>
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" onClick={() => setConflict(false)}>
            {t("conflict.keepEditing")}
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={async () => {
              setConflict(false);
              await queryClient.invalidateQueries({ queryKey: ["teachers", "one", id] });
            }}
          >
            {t("conflict.reload")}
          </button>
        </div>
      </Dialog>

      <Dialog open={confirmDelete} role="alertdialog" title={t("profile.deleteTitle", { name })} description={t("profile.deleteBody")} onClose={() => setConfirmDelete(false)}>
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" onClick={() => setConfirmDelete(false)}>
            {t("common.cancel")}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={async () => {
              setConfirmDelete(false);
              const result = await api.DELETE("/api/teachers/{id}", { params: { path: { id }, header: { "If-Match": String(data.__v ?? 0) } } });
              if (!result.data) {
                const error = toApiError(result.response, result.error);
                if (error.status === 412) setConflict(true);
                else setFailure(errorText(error));
                return;
              }
              setDeleted(result.data);
              await refresh();
            }}
          >
            {t("profile.confirmDelete")}
          </button>
        </div>
      </Dialog>
    </section>
  );
}

export { ApiError };
