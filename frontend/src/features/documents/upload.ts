import { api } from "../../api/client";
import { ApiError, toApiError } from "../../api/errors";
import type { TeacherFiles, UploadKind } from "../../api/types";

export const DOCUMENT_TYPES = ["application/pdf", "image/jpeg", "image/png", "image/webp"];
export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];

export type UploadStep = "asking" | "sending" | "confirming";
export type UploadFailure = { reason: "type" | "size" | "content" | "storage" | "other"; error: ApiError | null };

export class UploadRefused extends Error {
  constructor(readonly failure: UploadFailure) {
    super(failure.reason);
  }
}

function refusal(error: ApiError, step: UploadStep): UploadRefused {
  if (error.status === 413) return new UploadRefused({ reason: "size", error });
  if (error.status === 415) return new UploadRefused({ reason: step === "confirming" ? "content" : "type", error });
  return new UploadRefused({ reason: "other", error });
}

/** The browser → S3 leg: a multipart POST with the presigned fields, with progress. */
export function postToStorage(url: string, fields: Record<string, string>, file: File, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new UploadRefused({ reason: "storage", error: null })));
    xhr.onerror = () => reject(new UploadRefused({ reason: "storage", error: null }));
    xhr.send(form);
  });
}

/**
 * The presigned flow: ask the API for an upload (type and size are checked there), send the file
 * straight to S3, then confirm (the API checks what landed: size, type, leading bytes).
 */
export async function uploadFile(options: {
  teacherId: string;
  kind: UploadKind;
  file: File;
  docId?: string;
  confirm: { number?: string | null; expiryDate?: string | null; name?: string | null; boxId?: string | null };
  onStep?: (step: UploadStep) => void;
  onProgress?: (fraction: number) => void;
}): Promise<TeacherFiles> {
  const { teacherId, kind, file } = options;
  const accepted = kind === "avatar" ? IMAGE_TYPES : DOCUMENT_TYPES;
  if (!accepted.includes(file.type)) throw new UploadRefused({ reason: "type", error: null });
  options.onStep?.("asking");
  const asked = await api.POST("/api/teachers/{id}/uploads", {
    params: { path: { id: teacherId } },
    body: { kind, fileName: file.name, contentType: file.type, size: file.size, ...(options.docId ? { docId: options.docId } : {}) },
  });
  if (!asked.data) throw refusal(toApiError(asked.response, asked.error), "asking");
  options.onStep?.("sending");
  await postToStorage(asked.data.url, asked.data.fields, file, options.onProgress ?? (() => undefined));
  options.onProgress?.(1);
  options.onStep?.("confirming");
  const body = Object.fromEntries(Object.entries(options.confirm).filter(([, v]) => v !== undefined && v !== ""));
  const confirmed = await api.POST("/api/teachers/{id}/uploads/{upload_id}/confirm", {
    params: { path: { id: teacherId, upload_id: asked.data.uploadId } },
    body,
  });
  if (!confirmed.data) throw refusal(toApiError(confirmed.response, confirmed.error), "confirming");
  return confirmed.data;
}
