import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/errors";
import { Alert } from "./Alert";

/** A readable message for a failed request: the status in words, then the API's own detail. */
export function useErrorText() {
  const { t } = useTranslation();
  return (error: unknown): string => {
    if (error instanceof ApiError) {
      const known = [400, 401, 403, 404, 409, 412, 413, 415, 429, 503];
      const head = known.includes(error.status)
        ? t(`errors.http${error.status}`, { seconds: error.retryAfter ?? 0 })
        : t("errors.generic");
      const detail = error.problem?.message;
      return detail && error.status !== 401 ? `${head} ${t("errors.detail", { detail })}` : head;
    }
    return t("errors.network");
  };
}

export function ErrorMessage({ error }: { error: unknown }) {
  const text = useErrorText();
  return <Alert>{text(error)}</Alert>;
}
