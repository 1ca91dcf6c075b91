import { useCallback } from "react";
import { useSearchParams } from "react-router";

export type UrlChanges = Record<string, string | number | null | undefined>;

/**
 * A page's state in the URL (bookmarkable, shareable, Back works): the current search params
 * and an update that sets or removes keys, by default resetting the page number.
 */
export function useUrlState() {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (changes: UrlChanges, resetPage = true) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(changes)) {
            if (value === null || value === undefined || value === "") next.delete(key);
            else next.set(key, String(value));
          }
          if (resetPage && !("page" in changes)) next.delete("page");
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  const page = Math.max(1, Number(params.get("page")) || 1);
  return { params, update, page };
}
