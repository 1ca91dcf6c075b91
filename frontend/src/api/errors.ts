import type { Problem } from "./types";

/** A failed API call: the problem+json body (when there is one) and the status. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  readonly retryAfter: number | null;

  constructor(status: number, problem: Problem | null, retryAfter: number | null) {
    super(problem?.message ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** Field errors as `{ "personalInfo.dob": "message" }` (the API's `errors[]`). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of this.problem?.errors ?? []) {
      if (item.field && item.message && !(item.field in out)) out[item.field] = item.message;
    }
    return out;
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "status" in value && "message" in value;
}

export function toApiError(response: Response, body: unknown): ApiError {
  const retry = Number(response.headers.get("Retry-After"));
  return new ApiError(
    response.status,
    isProblem(body) ? body : null,
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/** openapi-fetch result → data, or throw an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw toApiError(result.response, result.error);
  }
  return result.data as T;
}
