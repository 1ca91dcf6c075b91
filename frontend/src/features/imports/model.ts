/** The Import screen's rules that are not drawing: which files it takes, how it sends them, what
 * a report says (counts, rows to show, errors), and how a refusal reads. */
import type { ApiError } from "../../api/errors";
import type { components } from "../../api/schema";

type Schemas = components["schemas"];
export type ImportRecord = Schemas["ImportOut"];
export type ImportRow = Schemas["ImportRowOut"];
export type ImportLimits = Schemas["ImportLimitsOut"];
export type ImportKind = Schemas["ImportUploadCreate"]["kind"];
export type Encoding = "auto" | "utf-8" | "big5";
export type OnError = "abort" | "skip";
export type Action = ImportRow["action"];

export const KINDS: readonly ImportKind[] = ["teachers", "schools"];
export const ACTIONS: readonly Action[] = ["create", "update", "unchanged", "error"];
export const ENCODINGS: readonly Encoding[] = ["auto", "utf-8", "big5"];
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** What the file input offers (the API decides from the content; these are what it reads). */
export const ACCEPT = `.csv,.xlsx,text/csv,${XLSX_TYPE}`;

export type Counts = Record<"rows" | Action, number>;

/** A record's counts with every action present (list items of never-checked imports have none). */
export function countsOf(record: Pick<ImportRecord, "counts"> | null | undefined): Counts {
  const counts = record?.counts ?? {};
  const out = { rows: counts.rows ?? 0 } as Counts;
  for (const action of ACTIONS) out[action] = counts[action] ?? 0;
  if (!counts.rows) out.rows = ACTIONS.reduce((sum, a) => sum + out[a], 0);
  return out;
}

export type FileProblem = "missing" | "empty" | "type" | "size";

/** What is wrong with the chosen file before anything is sent (the API checks again). */
export function checkFile(file: File | null | undefined, limits: ImportLimits | null | undefined): FileProblem | null {
  if (!file) return "missing";
  if (file.size === 0) return "empty";
  if (!/\.(csv|xlsx)$/i.test(file.name)) return "type";
  if (limits && file.size > limits.maxBytes) return "size";
  return null;
}

/** The content type the API is told (browsers leave it empty for some .csv files, and Windows
 * ones call CSV "application/vnd.ms-excel", which the API also accepts). */
export function contentTypeOf(file: File): string {
  if (file.type) return file.type;
  return /\.xlsx$/i.test(file.name) ? XLSX_TYPE : "text/csv";
}

/** Small files go inline with the request (one round trip); larger ones to storage through a
 * presigned form, so the API never receives more than its inline limit. */
export function uploadPath(file: File, limits: ImportLimits): "inline" | "presigned" {
  return file.size <= limits.maxInlineBytes ? "inline" : "presigned";
}

/** The rows a preview shows: every row, or those of one action. */
export function rowsFor(rows: readonly ImportRow[], show: Action | "all"): ImportRow[] {
  return show === "all" ? [...rows] : rows.filter((row) => row.action === show);
}

/** One page (1-based) of a list kept in the browser. */
export function pageOf<T>(items: readonly T[], page: number, size: number): T[] {
  const last = Math.max(1, Math.ceil(items.length / size));
  const current = Math.min(Math.max(1, page), last);
  return items.slice((current - 1) * size, current * size);
}

export type RowError = { row: number; column: string; message: string };

/** A row's errors as {row, column, message} (the API's shape, read defensively). */
export function rowErrors(row: Pick<ImportRow, "row" | "errors">): RowError[] {
  return (row.errors ?? []).map((error) => ({
    row: typeof error.row === "number" ? error.row : row.row,
    column: typeof error.column === "string" ? error.column : "",
    message: typeof error.message === "string" ? error.message : "",
  }));
}

/** Whether an import in this status can still be checked and applied (its file is kept). */
export function isPending(status: ImportRecord["status"]): boolean {
  return status === "uploaded" || status === "validated";
}

/** The problem's field errors ("row 5, email: invalid e-mail"), at most `max` of them, and how
 * many more there were: header problems, rejected applies, undo conflicts. */
export function problemLines(error: ApiError, max = 10): { lines: string[]; more: number } {
  const errors = error.problem?.errors ?? [];
  const lines = errors.slice(0, max).map((e) => [e.field, e.message].filter(Boolean).join(": "));
  return { lines, more: Math.max(0, errors.length - max) };
}
