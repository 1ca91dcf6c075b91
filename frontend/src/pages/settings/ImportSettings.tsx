import { useId, useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { ApiError } from "../../api/errors";
import { useProject } from "../../app/project";
import { useUrlState } from "../../app/urlState";
import { Alert, Outcome } from "../../components/ui/Alert";
import { ErrorMessage, useErrorText } from "../../components/ui/ErrorMessage";
import { Field } from "../../components/ui/Field";
import { Pager, totalOf } from "../../components/ui/Pager";
import { Progress } from "../../components/ui/Progress";
import { ConfirmDialog } from "../../components/ui/Prompts";
import { Loading } from "../../components/ui/Spinner";
import { Badge, EmptyRow, TableShell, TD } from "../../components/ui/Table";
import { useFormat } from "../../i18n/format";
import { Select } from "../../features/teachers/Filters";
import { Section, useCanAdminister, useIsAdmin } from "../../features/settings/Section";
import {
  ACCEPT,
  ACTIONS,
  ENCODINGS,
  KINDS,
  checkFile,
  countsOf,
  isPending,
  pageOf,
  problemLines,
  rowErrors,
  rowsFor,
  type Action,
  type Encoding,
  type ImportKind,
  type ImportLimits,
  type ImportRecord,
  type OnError,
} from "../../features/imports/model";
import { applyImport, checkAgain, sendForCheck, undoImport, type SendStep } from "../../features/imports/send";

const HISTORY_PAGE = 20;
const PREVIEW_PAGE = 50;
const ACTION_TONES = { create: "success", update: "warning", unchanged: "neutral", error: "danger" } as const;
const STATUS_TONES = { "awaiting-upload": "neutral", uploaded: "neutral", validated: "warning", applied: "success", undone: "neutral" } as const;

/** A checked file: the dry run's report and the options the apply must repeat. */
type Checked = { record: ImportRecord; encoding: Encoding };
/** A refusal: its readable text and the API's field errors (rows, columns). */
type Failure = { text: string; lines: string[]; more: number };

function useFailure() {
  const errorText = useErrorText();
  return (error: unknown): Failure => {
    const lines = error instanceof ApiError ? problemLines(error) : { lines: [], more: 0 };
    return { text: errorText(error), ...lines };
  };
}

function FailureBox({ failure }: { failure: Failure | null }) {
  const { t } = useTranslation();
  if (!failure) return null;
  return (
    <Alert>
      <p>{failure.text}</p>
      {failure.lines.length ? (
        <ul className="mt-1 list-disc pl-5">
          {failure.lines.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
          {failure.more ? <li>{t("settings.import.moreErrors", { count: failure.more })}</li> : null}
        </ul>
      ) : null}
    </Alert>
  );
}

/** The headers an import reads, shown on demand (loaded when opened). */
function AcceptedColumns({ kind }: { kind: ImportKind }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const columns = useQuery({
    queryKey: ["imports", "columns", kind],
    queryFn: async () => unwrap(await api.GET("/api/imports/columns", { params: { query: { kind } } })),
    enabled: open,
    staleTime: Infinity,
  });
  return (
    <details className="text-sm" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="link cursor-pointer">{t("settings.import.columns")}</summary>
      {columns.error ? <ErrorMessage error={columns.error} /> : null}
      {columns.data ? (
        <ul className="mt-2 grid grid-cols-1 gap-x-4 gap-y-0.5 sm:grid-cols-2 lg:grid-cols-3">
          {columns.data.map((c) => (
            <li key={c.path}>
              <code className="text-xs">{c.path}</code> <span className="muted">({c.label})</span>
            </li>
          ))}
        </ul>
      ) : open ? (
        <Loading />
      ) : null}
    </details>
  );
}

function UploadForm({ limits, onChecked, onFailure }: { limits: ImportLimits; onChecked: (checked: Checked) => void; onFailure: (failure: Failure | null) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const failureOf = useFailure();
  const { projects, projectId } = useProject();
  const active = projects.filter((p) => p.isActive !== false);
  const [kind, setKind] = useState<ImportKind>("teachers");
  // The header's project until the user picks another (the projects may arrive after the form).
  const [picked, setPicked] = useState<string | null>(null);
  const project = picked ?? (projectId && active.some((p) => p._id === projectId) ? projectId : "");
  const [encoding, setEncoding] = useState<Encoding>("auto");
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();
  const [step, setStep] = useState<SendStep | null>(null);
  const [progress, setProgress] = useState(0);
  const kindName = useId();

  const submit = async () => {
    const problem = checkFile(file, limits);
    setFileError(problem ? t(`settings.import.file.${problem}`, { size: format.bytes(limits.maxBytes) }) : undefined);
    if (problem || !file) return;
    onFailure(null);
    setProgress(0);
    try {
      const record = await sendForCheck({ kind, file, projectId: project || null, encoding, limits, onStep: setStep, onProgress: setProgress });
      onChecked({ record, encoding });
    } catch (error) {
      onFailure(error instanceof ApiError ? failureOf(error) : { text: t("settings.import.storageFailed"), lines: [], more: 0 });
    } finally {
      setStep(null);
    }
  };

  return (
    <form
      noValidate
      aria-labelledby="import-new"
      className="card flex flex-col gap-4 p-4"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h3 id="import-new" className="font-semibold">
        {t("settings.import.new")}
      </h3>
      <fieldset>
        <legend className="label">{t("settings.import.kind")}</legend>
        <div className="flex flex-wrap gap-4">
          {KINDS.map((k) => (
            <label key={k} className="flex items-center gap-2 text-sm">
              <input type="radio" name={kindName} value={k} checked={kind === k} onChange={() => setKind(k)} />
              {t(`settings.import.kinds.${k}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
        {kind === "teachers" ? (
          <Field label={t("settings.import.project")} hint={t("settings.import.projectHint")}>
            {(p) => (
              <select {...p} className="input" value={project} onChange={(e) => setPicked(e.target.value)}>
                <option value="">{t("settings.import.noProject")}</option>
                {active.map((item) => (
                  <option key={item._id} value={item._id}>
                    {item.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        <Field label={t("settings.import.encoding")} hint={t("settings.import.encodingHint")}>
          {(p) => (
            <select {...p} className="input" value={encoding} onChange={(e) => setEncoding(e.target.value as Encoding)}>
              {ENCODINGS.map((e) => (
                <option key={e} value={e}>
                  {t(`settings.import.encodings.${e}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field
        label={t("settings.import.fileLabel")}
        error={fileError}
        hint={t("settings.import.fileHint", { size: format.bytes(limits.maxBytes), rows: format.number(limits.maxRows) })}
      >
        {(p) => (
          <input
            {...p}
            type="file"
            accept={ACCEPT}
            className="input"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setFileError(undefined);
            }}
          />
        )}
      </Field>
      <AcceptedColumns kind={kind} />
      {step ? (
        <div className="flex flex-col gap-1">
          <p role="status" className="text-sm">
            {t(`settings.import.steps.${step}`)}
          </p>
          {step === "sending" ? <Progress label={t("settings.import.steps.sending")} value={progress} /> : null}
        </div>
      ) : null}
      <div>
        <button type="submit" className="btn btn-primary" disabled={step !== null}>
          {t("settings.import.check")}
        </button>
      </div>
    </form>
  );
}

function Counts({ record, label }: { record: ImportRecord; label: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const counts = countsOf(record);
  return (
    <dl aria-label={label} className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-5">
      {(["rows", ...ACTIONS] as const).map((key) => (
        <div key={key} className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-700">
          <dt className="muted">{t(`settings.import.counts.${key}`)}</dt>
          <dd className="text-lg font-semibold">{format.number(counts[key])}</dd>
        </div>
      ))}
    </dl>
  );
}

function Preview({ checked, onApplied, onCancel, onFailure }: { checked: Checked; onApplied: (record: ImportRecord) => void; onCancel: () => void; onFailure: (failure: Failure | null) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const failureOf = useFailure();
  const { record, encoding } = checked;
  const counts = countsOf(record);
  const [show, setShow] = useState<Action | "all">("all");
  const [page, setPage] = useState(1);
  const [onError, setOnError] = useState<OnError>("abort");
  const [confirming, setConfirming] = useState(false);
  const choice = useId();
  const rows = rowsFor(record.rows ?? [], show);
  const writes = counts.create + counts.update;
  const blocked = counts.error > 0 && onError === "abort";
  const kind = t(`settings.import.nouns.${record.kind}`);

  return (
    <section aria-labelledby="import-preview" className="card flex flex-col gap-4 p-4">
      <h3 id="import-preview" className="font-semibold">
        {t("settings.import.previewTitle", { file: record.fileName })}
      </h3>
      <p className="text-sm muted">{t("settings.import.previewIntro", { kind: t(`settings.import.nouns.${record.kind}`) })}</p>
      <Counts record={record} label={t("settings.import.previewCounts")} />
      {counts.error ? <Alert tone="warning">{t("settings.import.rowsWithErrors", { count: counts.error })}</Alert> : null}
      <div className="flex flex-wrap items-end gap-3">
        <Select
          label={t("settings.import.show")}
          value={show}
          onChange={(v) => {
            setShow(v as Action | "all");
            setPage(1);
          }}
        >
          <option value="all">{t("settings.import.showAll", { count: counts.rows })}</option>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {t(`settings.import.showAction.${a}`, { count: counts[a] })}
            </option>
          ))}
        </Select>
      </div>
      <TableShell caption={t("settings.import.previewCaption")} columns={[t("settings.import.row"), t("settings.import.action"), t("settings.import.record"), t("settings.import.details")]}>
        {pageOf(rows, page, PREVIEW_PAGE).map((row) => (
          <tr key={row.row}>
            <td className={TD}>{format.number(row.row)}</td>
            <td className={TD}>
              <Badge tone={ACTION_TONES[row.action]}>{t(`settings.import.actions.${row.action}`)}</Badge>
            </td>
            <td className={`${TD} break-all`}>{row.key ?? "—"}</td>
            <td className={`${TD} text-xs`}>
              {row.action === "error" ? (
                <ul className="flex flex-col gap-0.5">
                  {rowErrors(row).map((e, i) => (
                    <li key={i} className="text-red-800 dark:text-red-300">
                      {t("settings.import.errorAt", { column: e.column, message: e.message })}
                    </li>
                  ))}
                </ul>
              ) : row.changes?.length ? (
                <span>
                  {t("settings.import.changes")} <code>{row.changes.join(", ")}</code>
                </span>
              ) : null}
            </td>
          </tr>
        ))}
        {rows.length === 0 ? <EmptyRow colSpan={4}>{t("settings.import.noRows")}</EmptyRow> : null}
      </TableShell>
      <Pager page={page} size={PREVIEW_PAGE} total={rows.length} label={t("settings.import.previewPages")} onPage={setPage} />
      {counts.error ? (
        <fieldset>
          <legend className="label">{t("settings.import.onError")}</legend>
          <div className="flex flex-col gap-1">
            {(["abort", "skip"] as const).map((value) => (
              <label key={value} className="flex items-center gap-2 text-sm">
                <input type="radio" name={choice} value={value} checked={onError === value} onChange={() => setOnError(value)} />
                {t(`settings.import.onErrorChoice.${value}`, { count: counts.error })}
              </label>
            ))}
          </div>
        </fieldset>
      ) : null}
      {blocked ? <p className="text-sm muted">{t("settings.import.blocked")}</p> : null}
      {!blocked && writes === 0 ? <p className="text-sm muted">{t("settings.import.nothingToDo")}</p> : null}
      <div className="flex flex-wrap gap-2">
        <button type="button" className="btn btn-primary" disabled={blocked || writes === 0} onClick={() => setConfirming(true)}>
          {t("settings.import.apply")}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t("settings.import.startOver")}
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title={t("settings.import.applyTitle", { file: record.fileName })}
        description={t(onError === "skip" && counts.error ? "settings.import.applyBodySkip" : "settings.import.applyBody", {
          create: format.number(counts.create),
          update: format.number(counts.update),
          errors: format.number(counts.error),
          kind,
        })}
        confirmLabel={t("settings.import.apply")}
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          try {
            onApplied(await applyImport(record._id, onError, encoding));
            return null;
          } catch (error) {
            const failure = failureOf(error);
            onFailure(failure);
            return failure.text;
          }
        }}
      />
    </section>
  );
}

function History({ canEdit, onReview, onNotice, onFailure }: { canEdit: boolean; onReview: (record: ImportRecord) => void; onNotice: (text: string) => void; onFailure: (failure: Failure | null) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const failureOf = useFailure();
  const queryClient = useQueryClient();
  const { update, page } = useUrlState();
  const [undoing, setUndoing] = useState<ImportRecord | null>(null);
  const [reviewing, setReviewing] = useState<string | null>(null);
  const query = { limit: HISTORY_PAGE, offset: (page - 1) * HISTORY_PAGE };
  const imports = useQuery({
    queryKey: ["imports", "list", query],
    queryFn: async () => {
      const result = await api.GET("/api/imports", { params: { query } });
      return { rows: unwrap(result), total: totalOf(result.response) };
    },
    placeholderData: keepPreviousData,
  });
  const total = imports.data?.total ?? 0;
  const undoCounts = countsOf(undoing);

  return (
    <section aria-labelledby="import-history" className="flex flex-col gap-3">
      <h3 id="import-history" className="font-semibold">
        {t("settings.import.history")}
      </h3>
      {imports.error ? <ErrorMessage error={imports.error} /> : null}
      {imports.isLoading ? (
        <Loading />
      ) : (
        <TableShell
          caption={t("settings.import.historyCaption")}
          busy={imports.isFetching}
          columns={[t("settings.import.when"), t("settings.import.who"), t("settings.import.kindColumn"), t("settings.import.fileName"), t("settings.import.outcome"), t("settings.import.status"), canEdit && t("common.actions")]}
        >
          {(imports.data?.rows ?? []).map((item) => {
            const counts = countsOf(item);
            const when = format.dateTime(item.createdAt);
            return (
              <tr key={item._id}>
                <td className={`${TD} whitespace-nowrap`}>{when}</td>
                <td className={TD}>
                  {item.createdBy}
                  {item.undoneBy ? <span className="block text-xs muted">{t("settings.import.undoneBy", { who: item.undoneBy, at: format.dateTime(item.undoneAt) })}</span> : null}
                </td>
                <td className={TD}>{t(`settings.import.kinds.${item.kind}`)}</td>
                <td className={`${TD} break-all`}>{item.fileName}</td>
                <td className={`${TD} text-xs`}>
                  {item.counts
                    ? t(item.status === "applied" || item.status === "undone" ? "settings.import.outcomeCounts" : "settings.import.checkedCounts", {
                        create: format.number(counts.create),
                        update: format.number(counts.update),
                        unchanged: format.number(counts.unchanged),
                        error: format.number(counts.error),
                      })
                    : "—"}
                </td>
                <td className={TD}>
                  <Badge tone={STATUS_TONES[item.status]}>{t(`settings.import.statuses.${item.status}`)}</Badge>
                </td>
                {canEdit ? (
                  <td className={`${TD} whitespace-nowrap`}>
                    {item.status === "applied" ? (
                      <button type="button" className="btn btn-small" aria-label={t("settings.import.undoNamed", { file: item.fileName, when })} onClick={() => setUndoing(item)}>
                        {t("settings.import.undo")}
                      </button>
                    ) : null}
                    {isPending(item.status) ? (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={reviewing !== null}
                        aria-label={t("settings.import.reviewNamed", { file: item.fileName, when })}
                        onClick={async () => {
                          setReviewing(item._id);
                          onFailure(null);
                          try {
                            onReview(await checkAgain(item._id, "auto"));
                          } catch (error) {
                            onFailure(failureOf(error));
                          } finally {
                            setReviewing(null);
                          }
                        }}
                      >
                        {t("settings.import.review")}
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            );
          })}
          {imports.data && imports.data.rows.length === 0 ? <EmptyRow colSpan={7}>{t("settings.import.noImports")}</EmptyRow> : null}
        </TableShell>
      )}
      <Pager page={page} size={HISTORY_PAGE} total={total} label={t("settings.import.historyPages")} onPage={(p) => update({ page: p }, false)} />
      <ConfirmDialog
        open={undoing !== null}
        title={t("settings.import.undoTitle", { file: undoing?.fileName ?? "" })}
        description={t("settings.import.undoBody", { create: format.number(undoCounts.create), update: format.number(undoCounts.update) })}
        confirmLabel={t("settings.import.undo")}
        onClose={() => setUndoing(null)}
        onConfirm={async () => {
          if (!undoing) return null;
          try {
            const done = await undoImport(undoing._id);
            onNotice(t("settings.import.undone", { file: done.fileName, removed: format.number(done.undone?.removed ?? 0), restored: format.number(done.undone?.restored ?? 0) }));
            await queryClient.invalidateQueries();
            return null;
          } catch (error) {
            const failure = failureOf(error);
            return [failure.text, ...failure.lines].join(" ");
          }
        }}
      />
    </section>
  );
}

/** Import (admins): send a CSV/XLSX of teachers or schools, preview what would change (a dry run:
 * nothing written), apply all or only the rows without errors, and undo a past import. */
export default function ImportSettings() {
  const { t } = useTranslation();
  const format = useFormat();
  const isAdmin = useIsAdmin();
  const canEdit = useCanAdminister();
  const queryClient = useQueryClient();
  const [checked, setChecked] = useState<Checked | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const limits = useQuery({
    queryKey: ["imports", "limits"],
    queryFn: async () => unwrap(await api.GET("/api/imports/limits")),
    enabled: isAdmin,
    staleTime: Infinity,
  });
  const refreshHistory = () => queryClient.invalidateQueries({ queryKey: ["imports", "list"] });

  return (
    <Section id="import" adminOnly>
      <Outcome notice={notice} failure={null} />
      <FailureBox failure={failure} />
      {limits.error ? <ErrorMessage error={limits.error} /> : null}
      {canEdit && limits.data ? (
        checked ? (
          <Preview
            key={checked.record._id}
            checked={checked}
            onFailure={setFailure}
            onCancel={() => {
              setChecked(null);
              setFailure(null);
            }}
            onApplied={(record) => {
              const counts = countsOf(record);
              setChecked(null);
              setFailure(null);
              setNotice(
                t("settings.import.applied", {
                  file: record.fileName,
                  create: format.number(counts.create),
                  update: format.number(counts.update),
                  unchanged: format.number(counts.unchanged),
                  error: format.number(counts.error),
                }),
              );
              // Teachers, schools, the kanban and the dashboard all changed.
              void queryClient.invalidateQueries();
            }}
          />
        ) : (
          <UploadForm
            limits={limits.data}
            onFailure={(f) => {
              setFailure(f);
              if (f) setNotice(null);
              void refreshHistory();
            }}
            onChecked={(c) => {
              setNotice(null);
              setChecked(c);
              void refreshHistory();
            }}
          />
        )
      ) : null}
      {isAdmin ? (
        <History
          canEdit={canEdit}
          onReview={(record) => {
            setNotice(null);
            setChecked({ record, encoding: "auto" });
            void refreshHistory();
          }}
          onNotice={(text) => {
            setFailure(null);
            setNotice(text);
          }}
          onFailure={setFailure}
        />
      ) : null}
    </Section>
  );
}
