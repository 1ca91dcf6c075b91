import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { closestCorners, DndContext, KeyboardSensor, PointerSensor, useDroppable, useSensor, useSensors, type DragEndEvent } from "@dnd-kit/core";
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { api, unwrap } from "../../api/client";
import { toApiError } from "../../api/errors";
import { CORE_TYPES, type AdhocDocument, type CoreType, type Teacher } from "../../api/types";
import { Alert } from "../../components/ui/Alert";
import { Dialog } from "../../components/ui/Dialog";
import { Field } from "../../components/ui/Field";
import { Progress } from "../../components/ui/Progress";
import { ConfirmDialog, NameDialog, type Outcome } from "../../components/ui/Prompts";
import { useErrorText } from "../../components/ui/ErrorMessage";
import { useFormat } from "../../i18n/format";
import { uploadFile, UploadRefused, type UploadStep } from "./upload";
import { PreviewDialog, type Download } from "./PreviewDialog";

type Target = { kind: CoreType | "adhoc"; docId?: string };
/** A box or an ad-hoc document the user is renaming or deleting. */
type Subject = { kind: "box" | "document"; id: string; name: string };
type Call = Promise<{ data?: unknown; error?: unknown; response: Response }>;

function UploadDialog({ teacher, target, onClose, onDone }: { teacher: Teacher; target: Target | null; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [number, setNumber] = useState("");
  const [expiry, setExpiry] = useState("");
  const [name, setName] = useState("");
  const [boxId, setBoxId] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [step, setStep] = useState<UploadStep | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const isCore = target?.kind !== "adhoc";
  const kindLabel = target ? (isCore ? t(`documents.types.${target.kind}`) : t("documents.adhocDocument")) : "";
  const close = () => {
    setFile(null);
    setNumber("");
    setExpiry("");
    setName("");
    setBoxId("");
    setProgress(null);
    setStep(null);
    setFailure(null);
    onClose();
  };
  const submit = async () => {
    if (!target || !file) {
      setFailure(t("documents.chooseFile"));
      return;
    }
    setFailure(null);
    setProgress(0);
    try {
      await uploadFile({
        teacherId: teacher._id,
        kind: target.kind,
        file,
        ...(target.docId ? { docId: target.docId } : {}),
        confirm: isCore ? { number: number || null, expiryDate: expiry || null } : target.docId ? {} : { name: name || file.name, boxId: boxId || null },
        onProgress: setProgress,
        onStep: setStep,
      });
      await onDone();
      close();
    } catch (error) {
      const reason = error instanceof UploadRefused ? error.failure.reason : "other";
      const detail = error instanceof UploadRefused && error.failure.error?.problem?.message;
      setFailure(`${t(`documents.refused.${reason}`, { kind: kindLabel })}${detail ? ` ${t("errors.detail", { detail })}` : ""}`);
      setProgress(null);
      setStep(null);
    }
  };
  return (
    <Dialog open={!!target} onClose={close} title={t("documents.uploadTitle", { kind: kindLabel })}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        className="flex flex-col gap-3"
      >
        <Field label={t("documents.file")} hint={t("documents.fileHint")}>
          {(p) => <input {...p} type="file" accept="application/pdf,image/jpeg,image/png,image/webp" className="input" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
        {isCore ? (
          <>
            <Field label={t("documents.number")}>{(p) => <input {...p} className="input" value={number} onChange={(e) => setNumber(e.target.value)} />}</Field>
            <Field label={t("documents.expiryDate")}>{(p) => <input {...p} type="date" className="input" value={expiry} onChange={(e) => setExpiry(e.target.value)} />}</Field>
          </>
        ) : target?.docId ? null : (
          <>
            <Field label={t("documents.name")}>{(p) => <input {...p} className="input" value={name} onChange={(e) => setName(e.target.value)} />}</Field>
            <Field label={t("documents.box")}>
              {(p) => (
                <select {...p} className="input" value={boxId} onChange={(e) => setBoxId(e.target.value)}>
                  <option value="">{t("documents.uncategorized")}</option>
                  {(teacher.documentBoxes ?? []).map((b) => (
                    <option key={b._id} value={b._id}>
                      {b.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </>
        )}
        {progress !== null ? (
          <div className="flex flex-col gap-1">
            <Progress label={t("documents.uploading")} value={progress} />
            <p className="text-xs muted">{step ? t(`documents.steps.${step}`) : ""}</p>
          </div>
        ) : null}
        {failure ? <Alert>{failure}</Alert> : null}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" onClick={close}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" disabled={progress !== null}>
            {t("documents.upload")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function AdhocRow({ doc, canEdit, onOpen, onRename, onDelete, onReplace }: { doc: AdhocDocument; canEdit: boolean; onOpen: (inline: boolean) => void; onRename: () => void; onDelete: () => void; onReplace: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition } = useSortable({ id: doc._id, disabled: !canEdit });
  return (
    <li ref={setNodeRef} style={{ transform: CSS.Transform.toString(transform), transition }} className="flex flex-wrap items-center gap-2 rounded border border-slate-200 bg-white p-2 text-sm dark:border-slate-700 dark:bg-slate-900">
      {canEdit ? (
        <button type="button" ref={setActivatorNodeRef} {...attributes} {...listeners} aria-label={t("documents.moveDocument", { name: doc.name })} className="btn btn-small cursor-grab touch-none">
          <span aria-hidden="true">⠿</span>
        </button>
      ) : null}
      <span className="mr-auto font-medium">{doc.name}</span>
      <span className="text-xs muted">{format.date(doc.uploadDate)}</span>
      <button type="button" className="btn btn-small" aria-label={t("documents.previewNamed", { name: doc.name })} onClick={() => onOpen(true)}>
        {t("documents.preview")}
      </button>
      <button type="button" className="btn btn-small" aria-label={t("documents.downloadNamed", { name: doc.name })} onClick={() => onOpen(false)}>
        {t("documents.download")}
      </button>
      {canEdit ? (
        <>
          <button type="button" className="btn btn-small" aria-label={t("documents.replaceNamed", { name: doc.name })} onClick={onReplace}>
            {t("documents.replace")}
          </button>
          <button type="button" className="btn btn-small" aria-label={t("documents.renameNamed", { name: doc.name })} onClick={onRename}>
            {t("documents.rename")}
          </button>
          <button type="button" className="btn btn-small" aria-label={t("documents.deleteNamed", { name: doc.name })} onClick={onDelete}>
            {t("common.delete")}
          </button>
        </>
      ) : null}
    </li>
  );
}

function BoxList({ id, title, docs, children, actions }: { id: string; title: string; docs: AdhocDocument[]; children: React.ReactNode; actions?: React.ReactNode }) {
  const { setNodeRef, isOver } = useDroppable({ id: `box:${id}` });
  return (
    <section aria-labelledby={`box-${id}`} className={`rounded-lg bg-slate-100 p-3 dark:bg-slate-800 ${isOver ? "ring-2 ring-blue-500" : ""}`}>
      <div className="mb-2 flex flex-wrap items-center gap-2">
        <h4 id={`box-${id}`} className="mr-auto font-semibold">
          {title}
        </h4>
        {actions}
      </div>
      <SortableContext id={id} items={docs.map((d) => d._id)} strategy={verticalListSortingStrategy}>
        <ul ref={setNodeRef} className="flex min-h-10 flex-col gap-2">
          {children}
        </ul>
      </SortableContext>
    </section>
  );
}

export default function DocumentsTab({ teacher, canEdit, onChanged }: { teacher: Teacher; canEdit: boolean; onChanged: () => Promise<void> }) {
  const { t } = useTranslation();
  const format = useFormat();
  const errorText = useErrorText();
  const [target, setTarget] = useState<Target | null>(null);
  const [preview, setPreview] = useState<Download | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [newBox, setNewBox] = useState("");
  const [renaming, setRenaming] = useState<Subject | null>(null);
  const [deleting, setDeleting] = useState<Subject | null>(null);
  const id = teacher._id;
  const history = useQuery({
    queryKey: ["teachers", "files", id, teacher.__v],
    queryFn: async () => unwrap(await api.GET("/api/teachers/{id}/documents/history", { params: { path: { id } } })),
  });
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 5 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));

  /** For the dialogs: the error text to show in them, or null once done. */
  const attempt = async (call: Call): Outcome => {
    const result = await call;
    if (!result.response.ok) return errorText(toApiError(result.response, result.error));
    await onChanged();
    return null;
  };
  const rename = (subject: Subject, name: string): Outcome =>
    subject.kind === "box"
      ? attempt(api.PUT("/api/teachers/{id}/boxes/{box_id}", { params: { path: { id, box_id: subject.id } }, body: { name } }))
      : attempt(api.PUT("/api/teachers/{id}/documents/adhoc/{doc_id}", { params: { path: { id, doc_id: subject.id } }, body: { name } }));
  const remove = (subject: Subject): Outcome =>
    subject.kind === "box"
      ? attempt(api.DELETE("/api/teachers/{id}/boxes/{box_id}", { params: { path: { id, box_id: subject.id } } }))
      : attempt(api.DELETE("/api/teachers/{id}/documents/adhoc/{doc_id}", { params: { path: { id, doc_id: subject.id } } }));

  const run = async (call: Call) => {
    setFailure(null);
    const result = await call;
    if (!result.response.ok) {
      setFailure(errorText(toApiError(result.response, result.error)));
      return false;
    }
    await onChanged();
    return true;
  };

  const open = async (url: Promise<{ data?: Download; error?: unknown; response: Response }>, inline: boolean) => {
    const result = await url;
    if (!result.data) {
      setFailure(errorText(toApiError(result.response, result.error)));
      return;
    }
    if (inline) setPreview(result.data);
    else window.location.assign(result.data.url);
  };
  const disposition = (inline: boolean) => ({ disposition: inline ? ("inline" as const) : ("attachment" as const) });

  const boxes = [...(teacher.documentBoxes ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const docs = teacher.otherDocuments ?? [];
  const inBox = (boxId: string | null) => docs.filter((d) => (d.boxId ?? null) === boxId);
  const containers: { id: string; boxId: string | null }[] = [{ id: "uncategorized", boxId: null }, ...boxes.map((b) => ({ id: b._id, boxId: b._id }))];

  const onDragEnd = async ({ active, over }: DragEndEvent) => {
    if (!over) return;
    const overId = String(over.id);
    const moving = docs.find((d) => d._id === active.id);
    if (!moving) return;
    const targetBox = overId.startsWith("box:") ? overId.slice(4) : (docs.find((d) => d._id === overId)?.boxId ?? "uncategorized");
    const boxId = targetBox === "uncategorized" ? null : targetBox;
    const rest = docs.filter((d) => d._id !== moving._id);
    const overIndex = rest.findIndex((d) => d._id === overId);
    const moved = { ...moving, boxId };
    if (overIndex >= 0) rest.splice(overIndex, 0, moved);
    else rest.push(moved);
    if (JSON.stringify(rest.map((d) => [d._id, d.boxId ?? null])) === JSON.stringify(docs.map((d) => [d._id, d.boxId ?? null]))) return;
    await run(api.PUT("/api/teachers/{id}/documents/adhoc/reorder", { params: { path: { id } }, body: { documents: rest.map((d) => ({ _id: d._id, boxId: d.boxId ?? null })) } }));
  };

  return (
    <div className="flex flex-col gap-6">
      {failure ? <Alert>{failure}</Alert> : null}
      <section aria-labelledby="core-documents" className="card p-4">
        <h2 id="core-documents" className="mb-3 text-lg font-semibold">
          {t("documents.core")}
        </h2>
        <div className="overflow-x-auto">
          <table className="min-w-full text-sm">
            <thead>
              <tr className="text-left">
                <th scope="col" className="py-2 pr-3">{t("documents.type")}</th>
                <th scope="col" className="py-2 pr-3">{t("documents.status")}</th>
                <th scope="col" className="py-2 pr-3">{t("documents.number")}</th>
                <th scope="col" className="py-2 pr-3">{t("documents.expiryDate")}</th>
                <th scope="col" className="py-2 pr-3">{t("documents.file")}</th>
                <th scope="col" className="py-2">{t("documents.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {CORE_TYPES.map((type) => {
                const doc = teacher.documents?.[type] ?? null;
                const label = t(`documents.types.${type}`);
                const status = doc?.filePath ? (doc.status ?? "valid") : "missing";
                return (
                  <tr key={type} className="border-t border-slate-200 dark:border-slate-700">
                    <th scope="row" className="py-2 pr-3 text-left font-medium">{label}</th>
                    <td className="py-2 pr-3">{t(`documents.statuses.${status}`)}</td>
                    <td className="py-2 pr-3">{doc?.number ?? "—"}</td>
                    <td className="py-2 pr-3">{doc?.expiryDate ? format.date(doc.expiryDate) : "—"}</td>
                    <td className="py-2 pr-3">{doc?.fileName ?? "—"}</td>
                    <td className="flex flex-wrap gap-1 py-2">
                      {doc?.filePath ? (
                        <>
                          <button type="button" className="btn btn-small" aria-label={t("documents.previewNamed", { name: label })} onClick={() => void open(api.GET("/api/teachers/{id}/documents/{type}/url", { params: { path: { id, type }, query: disposition(true) } }), true)}>
                            {t("documents.preview")}
                          </button>
                          <button type="button" className="btn btn-small" aria-label={t("documents.downloadNamed", { name: label })} onClick={() => void open(api.GET("/api/teachers/{id}/documents/{type}/url", { params: { path: { id, type }, query: disposition(false) } }), false)}>
                            {t("documents.download")}
                          </button>
                        </>
                      ) : null}
                      {canEdit ? (
                        <button type="button" className="btn btn-small btn-primary" aria-label={t("documents.uploadNamed", { name: label })} onClick={() => setTarget({ kind: type })}>
                          {doc?.filePath ? t("documents.replace") : t("documents.upload")}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="adhoc-documents" className="card p-4">
        <div className="mb-3 flex flex-wrap items-end gap-2">
          <h2 id="adhoc-documents" className="mr-auto text-lg font-semibold">
            {t("documents.other")}
          </h2>
          {canEdit ? (
            <>
              <form
                className="flex items-end gap-2"
                onSubmit={async (e) => {
                  e.preventDefault();
                  if (!newBox.trim()) return;
                  if (await run(api.POST("/api/teachers/{id}/boxes", { params: { path: { id } }, body: { name: newBox.trim() } }))) setNewBox("");
                }}
              >
                <Field label={t("documents.newBoxName")}>{(p) => <input {...p} className="input" value={newBox} onChange={(e) => setNewBox(e.target.value)} />}</Field>
                <button type="submit" className="btn">
                  {t("documents.addBox")}
                </button>
              </form>
              <button type="button" className="btn btn-primary" onClick={() => setTarget({ kind: "adhoc" })}>
                {t("documents.uploadOther")}
              </button>
            </>
          ) : null}
        </div>
        <DndContext sensors={sensors} collisionDetection={closestCorners} onDragEnd={(e) => void onDragEnd(e)} accessibility={{ screenReaderInstructions: { draggable: t("kanban.instructions") } }}>
          <div className="grid grid-cols-1 gap-3 lg:grid-cols-2">
            {containers.map((container, index) => {
              const box = boxes.find((b) => b._id === container.boxId);
              const title = box?.name ?? t("documents.uncategorized");
              const list = inBox(container.boxId);
              return (
                <BoxList
                  key={container.id}
                  id={container.id}
                  title={title}
                  docs={list}
                  actions={
                    <>
                      <button type="button" className="btn btn-small" aria-label={t("documents.downloadBox", { name: title })} onClick={() => void open(api.GET("/api/teachers/{id}/boxes/{box_id}/download", { params: { path: { id, box_id: container.id }, query: {} } }), false)}>
                        {t("documents.zip")}
                      </button>
                      {canEdit && box ? (
                        <>
                          <button type="button" className="btn btn-small" aria-label={t("documents.moveBoxUp", { name: title })} disabled={index <= 1} onClick={() => {
                            const ids = boxes.map((b) => b._id);
                            const at = ids.indexOf(box._id);
                            [ids[at - 1], ids[at]] = [ids[at] as string, ids[at - 1] as string];
                            void run(api.PUT("/api/teachers/{id}/boxes/reorder", { params: { path: { id } }, body: { boxes: ids } }));
                          }}>
                            <span aria-hidden="true">↑</span>
                          </button>
                          <button type="button" className="btn btn-small" aria-label={t("documents.renameBox", { name: title })} onClick={() => setRenaming({ kind: "box", id: box._id, name: title })}>
                            {t("documents.rename")}
                          </button>
                          <button type="button" className="btn btn-small" aria-label={t("documents.deleteBox", { name: title })} onClick={() => setDeleting({ kind: "box", id: box._id, name: title })}>
                            {t("common.delete")}
                          </button>
                        </>
                      ) : null}
                    </>
                  }
                >
                  {list.map((doc) => (
                    <AdhocRow
                      key={doc._id}
                      doc={doc}
                      canEdit={canEdit}
                      onOpen={(inline) => void open(api.GET("/api/teachers/{id}/documents/adhoc/{doc_id}/url", { params: { path: { id, doc_id: doc._id }, query: disposition(inline) } }), inline)}
                      onReplace={() => setTarget({ kind: "adhoc", docId: doc._id })}
                      onRename={() => setRenaming({ kind: "document", id: doc._id, name: doc.name ?? "" })}
                      onDelete={() => setDeleting({ kind: "document", id: doc._id, name: doc.name ?? "" })}
                    />
                  ))}
                </BoxList>
              );
            })}
          </div>
        </DndContext>
      </section>

      <section aria-labelledby="file-history" className="card p-4">
        <h2 id="file-history" className="mb-3 text-lg font-semibold">
          {t("documents.history")}
        </h2>
        {(history.data ?? []).length === 0 ? (
          <p className="muted">{t("documents.noHistory")}</p>
        ) : (
          <ul className="flex flex-col gap-1 text-sm">
            {(history.data ?? []).map((entry) => (
              <li key={entry._id}>
                {t("documents.historyEntry", {
                  action: t(`documents.actionsLog.${entry.action}`, { defaultValue: entry.action }),
                  kind: entry.type === "adhoc" ? (entry.name ?? t("documents.adhocDocument")) : t(`documents.types.${entry.type}`, { defaultValue: entry.type }),
                  file: entry.fileName ?? "",
                  by: entry.by ?? "",
                  at: format.dateTime(entry.at),
                })}
              </li>
            ))}
          </ul>
        )}
      </section>

      <UploadDialog teacher={teacher} target={target} onClose={() => setTarget(null)} onDone={onChanged} />
      <PreviewDialog file={preview} onClose={() => setPreview(null)} />
      <NameDialog
        open={!!renaming}
        title={renaming?.kind === "box" ? t("documents.renameBoxTitle", { name: renaming.name }) : t("documents.renameDocumentTitle", { name: renaming?.name ?? "" })}
        label={t("documents.name")}
        initial={renaming?.name ?? ""}
        onSubmit={(name) => (renaming ? rename(renaming, name) : Promise.resolve(null))}
        onClose={() => setRenaming(null)}
      />
      <ConfirmDialog
        open={!!deleting}
        title={deleting?.kind === "box" ? t("documents.deleteBoxTitle", { name: deleting.name }) : t("documents.deleteDocumentTitle", { name: deleting?.name ?? "" })}
        description={deleting?.kind === "box" ? t("documents.deleteBoxBody") : t("documents.deleteDocumentBody")}
        confirmLabel={t("common.delete")}
        onConfirm={() => (deleting ? remove(deleting) : Promise.resolve(null))}
        onClose={() => setDeleting(null)}
      />
    </div>
  );
}
