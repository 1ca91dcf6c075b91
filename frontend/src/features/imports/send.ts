import { api } from "../../api/client";
import { ApiError, toApiError } from "../../api/errors";
import { postToStorage } from "../documents/upload";
import { contentTypeOf, uploadPath, type Encoding, type ImportKind, type ImportLimits, type ImportRecord, type OnError } from "./model";

export type SendStep = "sending" | "checking";

type Result<T> = { data?: T; error?: unknown; response: Response };

function answer<T>(result: Result<T>): T {
  if (!result.data) throw toApiError(result.response, result.error);
  return result.data;
}

/**
 * Send a spreadsheet and dry-run it (nothing is written): small files inline to FETMS's
 * multipart route with `dryRun=true`, larger ones through a presigned POST to storage followed by
 * `POST /api/imports/{id}/dry-run`. Answers the report (its `_id` is the import to apply).
 */
export async function sendForCheck(options: {
  kind: ImportKind;
  file: File;
  projectId: string | null;
  encoding: Encoding;
  limits: ImportLimits;
  onStep?: (step: SendStep) => void;
  onProgress?: (fraction: number) => void;
}): Promise<ImportRecord> {
  const { kind, file, projectId, encoding, limits } = options;
  const project = kind === "teachers" && projectId ? { projectId } : {};
  options.onStep?.("sending");
  if (uploadPath(file, limits) === "inline") {
    const form = new FormData();
    form.append("file", file, file.name);
    const query = { dryRun: true, encoding, ...project };
    const init = { params: { query }, body: {}, bodySerializer: () => form };
    const result = kind === "teachers" ? await api.POST("/api/teachers/import", init) : await api.POST("/api/schools/import", init);
    options.onProgress?.(1);
    return answer(result);
  }
  const started = answer(
    await api.POST("/api/imports", {
      body: { kind, fileName: file.name, contentType: contentTypeOf(file), size: file.size, ...project },
    }),
  );
  const upload = started.upload as { url?: unknown; fields?: unknown };
  if (typeof upload.url !== "string" || typeof upload.fields !== "object" || upload.fields === null) {
    throw new ApiError(502, null, null);
  }
  await postToStorage(upload.url, upload.fields as Record<string, string>, file, options.onProgress ?? (() => undefined));
  options.onProgress?.(1);
  return checkAgain(started._id, encoding, options.onStep);
}

/** Dry-run an import's stored file again (a pending import from the history, or a new encoding). */
export async function checkAgain(id: string, encoding: Encoding, onStep?: (step: SendStep) => void): Promise<ImportRecord> {
  onStep?.("checking");
  return answer(await api.POST("/api/imports/{id}/dry-run", { params: { path: { id }, query: { encoding } } }));
}

/** Apply a checked import: all rows or none (`abort`), or the rows without errors (`skip`). */
export async function applyImport(id: string, onError: OnError, encoding: Encoding): Promise<ImportRecord> {
  return answer(await api.POST("/api/imports/{id}/apply", { params: { path: { id }, query: { onError, encoding } } }));
}

/** Undo an applied import (409 naming the rows when a record changed since). */
export async function undoImport(id: string): Promise<ImportRecord> {
  return answer(await api.POST("/api/imports/{id}/undo", { params: { path: { id } } }));
}
