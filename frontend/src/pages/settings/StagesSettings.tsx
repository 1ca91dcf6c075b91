import { useId, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { closestCenter, DndContext, KeyboardSensor, PointerSensor, useSensor, useSensors, type Announcements, type DragEndEvent } from "@dnd-kit/core";
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { api } from "../../api/client";
import { toApiError } from "../../api/errors";
import type { Stage } from "../../api/types";
import { Outcome } from "../../components/ui/Alert";
import { ErrorMessage, useErrorText } from "../../components/ui/ErrorMessage";
import { ConfirmDialog, NameDialog } from "../../components/ui/Prompts";
import { Loading } from "../../components/ui/Spinner";
import { Badge } from "../../components/ui/Table";
import { Section, useCanAdminister } from "../../features/settings/Section";
import { useStages } from "../../features/teachers/lookups";
import { totalOf } from "../../components/ui/Pager";

function StageRow({ stage, position, canEdit, onRename, onToggleEmployed, onDelete }: { stage: Stage; position: number; canEdit: boolean; onRename: () => void; onToggleEmployed: () => void; onDelete: () => void }) {
  const { t } = useTranslation();
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: stage._id, disabled: !canEdit });
  return (
    <li ref={setNodeRef} style={{ transform: CSS.Transform.toString(transform), transition }} className={`card flex flex-wrap items-center gap-2 p-2 ${isDragging ? "relative z-10 shadow-lg ring-2 ring-blue-600 dark:ring-blue-400" : ""}`}>
      {canEdit ? (
        <button type="button" ref={setActivatorNodeRef} {...attributes} {...listeners} aria-label={t("settings.stages.move", { name: stage.title })} className="btn btn-small cursor-grab touch-none">
          <span aria-hidden="true">⠿</span>
        </button>
      ) : null}
      <span className="w-8 text-right text-sm muted">{position}</span>
      <span className="mr-auto font-medium">{stage.title}</span>
      {stage.isEmployed ? <Badge tone="success">{t("settings.stages.employed")}</Badge> : null}
      {canEdit ? (
        <>
          <button type="button" className="btn btn-small" aria-label={t("settings.stages.renameNamed", { name: stage.title })} onClick={onRename}>
            {t("settings.stages.rename")}
          </button>
          <button type="button" className={`btn btn-small ${stage.isEmployed ? "btn-primary" : ""}`} aria-pressed={stage.isEmployed ?? false} aria-label={t("settings.stages.employedNamed", { name: stage.title })} onClick={onToggleEmployed}>
            {t("settings.stages.countsAsEmployed")}
          </button>
          <button type="button" className="btn btn-small" aria-label={t("settings.stages.deleteNamed", { name: stage.title })} onClick={onDelete}>
            {t("common.delete")}
          </button>
        </>
      ) : null}
    </li>
  );
}

/** Pipeline stages (the kanban's columns): create, rename, reorder by drag (or keyboard), delete. */
export default function StagesSettings() {
  const { t } = useTranslation();
  const canEdit = useCanAdminister();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const stages = useStages();
  const newId = useId();
  const employedId = useId();
  const [title, setTitle] = useState("");
  const [employed, setEmployed] = useState(false);
  const [titleError, setTitleError] = useState<string | null>(null);
  const [order, setOrder] = useState<Stage[] | null>(null);
  const [renaming, setRenaming] = useState<Stage | null>(null);
  const [deleting, setDeleting] = useState<{ stage: Stage; teachers: number } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 5 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const list = order ?? stages.data ?? [];
  const byId = new Map(list.map((s) => [s._id, s]));
  const place = (id: string | number) => list.findIndex((s) => s._id === id) + 1;
  const name = (id: string | number) => byId.get(String(id))?.title ?? "";

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ["stages"] });
    await queryClient.invalidateQueries({ queryKey: ["pipeline"] });
  };
  const say = (text: string | null, error: string | null = null) => {
    setNotice(text);
    setFailure(error);
  };

  const create = async () => {
    if (!title.trim()) {
      setTitleError(t("validation.required"));
      return;
    }
    setTitleError(null);
    const result = await api.POST("/api/stages", { body: { title: title.trim(), isEmployed: employed } });
    if (!result.data) {
      const error = toApiError(result.response, result.error);
      if (error.fieldErrors.title) setTitleError(error.fieldErrors.title);
      else say(null, errorText(error));
      return;
    }
    say(t("settings.stages.created", { name: result.data.title }));
    setTitle("");
    setEmployed(false);
    await refresh();
  };

  const onDragEnd = async ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const next = arrayMove(list, place(active.id) - 1, place(over.id) - 1);
    setOrder(next); // optimistic; rolled back if the API refuses
    const result = await api.PUT("/api/stages/reorder", { body: { stages: next.map((s, index) => ({ _id: s._id, order: index })) } });
    if (!result.data) {
      setOrder(null);
      say(null, t("settings.stages.reorderFailed", { reason: errorText(toApiError(result.response, result.error)) }));
      return;
    }
    queryClient.setQueryData(["stages"], result.data);
    setOrder(null);
    say(t("settings.stages.reordered"));
    await queryClient.invalidateQueries({ queryKey: ["pipeline"] });
  };

  const update = async (stage: Stage, body: { title?: string; isEmployed?: boolean }) => {
    const result = await api.PUT("/api/stages/{id}", { params: { path: { id: stage._id }, header: { "If-Match": String(stage.__v ?? 0) } }, body });
    if (!result.data) return errorText(toApiError(result.response, result.error));
    await refresh();
    return null;
  };

  const askDelete = async (stage: Stage) => {
    say(null);
    const count = await api.GET("/api/teachers", { params: { query: { pipelineStage: stage._id, limit: 1 } } });
    setDeleting({ stage, teachers: count.response.ok ? totalOf(count.response) : 0 });
  };

  const announcements: Announcements = {
    onDragStart: ({ active }) => t("settings.stages.announce.start", { name: name(active.id) }),
    onDragOver: ({ active, over }) => (over ? t("settings.stages.announce.over", { name: name(active.id), position: place(over.id), count: list.length }) : t("settings.stages.announce.none", { name: name(active.id) })),
    onDragEnd: ({ active, over }) => (over ? t("settings.stages.announce.end", { name: name(active.id), position: place(over.id), count: list.length }) : t("settings.stages.announce.cancel", { name: name(active.id) })),
    onDragCancel: ({ active }) => t("settings.stages.announce.cancel", { name: name(active.id) }),
  };

  return (
    <Section id="stages">
      {canEdit ? (
        <form
          noValidate
          className="card flex flex-wrap items-end gap-3 p-3"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <div className="w-72">
            <label htmlFor={newId} className="label">
              {t("settings.stages.newTitle")}
            </label>
            <input
              id={newId}
              className="input"
              autoComplete="off"
              value={title}
              aria-invalid={!!titleError}
              aria-describedby={titleError ? `${newId}-error` : undefined}
              onChange={(e) => setTitle(e.target.value)}
            />
            {titleError ? (
              <p id={`${newId}-error`} className="field-error">
                {titleError}
              </p>
            ) : null}
          </div>
          <div className="flex items-center gap-2 pb-2">
            <input id={employedId} type="checkbox" className="h-4 w-4" checked={employed} onChange={(e) => setEmployed(e.target.checked)} />
            <label htmlFor={employedId} className="text-sm">
              {t("settings.stages.countsAsEmployed")}
            </label>
          </div>
          <button type="submit" className="btn btn-primary">
            {t("settings.stages.add")}
          </button>
        </form>
      ) : null}
      <Outcome notice={notice} failure={failure} />
      {stages.error ? <ErrorMessage error={stages.error} /> : null}
      {stages.isLoading ? (
        <Loading />
      ) : (
        <>
          {canEdit ? <p className="text-sm muted">{t("settings.stages.dragHelp")}</p> : null}
          <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={(e) => void onDragEnd(e)} accessibility={{ announcements, screenReaderInstructions: { draggable: t("kanban.instructions") } }}>
            <SortableContext items={list.map((s) => s._id)} strategy={verticalListSortingStrategy}>
              <ol aria-label={t("settings.stages.listLabel")} className="flex max-w-3xl flex-col gap-2">
                {list.map((stage, index) => (
                  <StageRow
                    key={stage._id}
                    stage={stage}
                    position={index + 1}
                    canEdit={canEdit}
                    onRename={() => setRenaming(stage)}
                    onToggleEmployed={() => void update(stage, { isEmployed: !stage.isEmployed }).then((error) => say(error ? null : t("settings.stages.saved", { name: stage.title }), error))}
                    onDelete={() => void askDelete(stage)}
                  />
                ))}
              </ol>
            </SortableContext>
          </DndContext>
          {list.length === 0 ? <p className="muted">{t("settings.stages.none")}</p> : null}
        </>
      )}
      <NameDialog
        open={renaming !== null}
        title={t("settings.stages.renameTitle", { name: renaming?.title ?? "" })}
        label={t("settings.stages.name")}
        initial={renaming?.title ?? ""}
        onClose={() => setRenaming(null)}
        onSubmit={async (value) => {
          if (!renaming) return null;
          const error = await update(renaming, { title: value });
          if (!error) say(t("settings.stages.saved", { name: value }));
          return error;
        }}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={t("settings.stages.deleteTitle", { name: deleting?.stage.title ?? "" })}
        description={t("settings.stages.deleteBody", { count: deleting?.teachers ?? 0 })}
        confirmLabel={t("common.delete")}
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return null;
          const result = await api.DELETE("/api/stages/{id}", { params: { path: { id: deleting.stage._id }, header: { "If-Match": String(deleting.stage.__v ?? 0) } } });
          if (!result.data) return errorText(toApiError(result.response, result.error));
          say(t("settings.stages.deleted", { name: deleting.stage.title, count: result.data.movedTeachers ?? 0 }));
          await refresh();
          return null;
        }}
      />
    </Section>
  );
}
