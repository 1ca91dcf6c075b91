import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import { ApiError } from "../../api/errors";

/**
 * Put the API's problem+json `errors[]` next to their fields. Returns true when every error
 * found a field on this form (nothing left for a general message).
 */
export function applyFieldErrors<T extends FieldValues>(
  error: unknown,
  fields: readonly string[],
  setError: UseFormSetError<T>,
): boolean {
  if (!(error instanceof ApiError)) return false;
  const entries = Object.entries(error.fieldErrors);
  let placed = 0;
  for (const [field, message] of entries) {
    if (fields.includes(field)) {
      setError(field as Path<T>, { type: "server", message }, { shouldFocus: placed === 0 });
      placed += 1;
    }
  }
  // A duplicate e-mail (409) names no field list but is about the e-mail.
  if (error.status === 409 && placed === 0 && fields.includes("email")) {
    setError("email" as Path<T>, { type: "server", message: error.problem?.message ?? "" }, { shouldFocus: true });
    placed = 1;
  }
  return placed > 0 && placed === Math.max(entries.length, 1);
}
