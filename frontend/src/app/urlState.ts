import { useCallback, useEffect, useRef } from "react";
import { useSearchParams } from "react-router";

export type UrlChanges = Record<string, string | number | null | undefined>;

/**
 * A page's state in the URL (bookmarkable, shareable, Back works): the current search params
 * and an update that sets or removes keys, by default resetting the page number.
 *
 * Updates chain: each one starts from the previous update's result, not from the params of the
 * last render (React Router's functional `setSearchParams` sees those, so two quick changes —
 * two filters picked in a row — would lose the first).
 */
export function useUrlState() {
  const [params, setParams] = useSearchParams();
  const latest = useRef(params);
  useEffect(() => {
    latest.current = params;
  }, [params]);
  const update = useCallback(
    (changes: UrlChanges, resetPage = true) => {
      const next = new URLSearchParams(latest.current);
      for (const [key, value] of Object.entries(changes)) {
        if (value === null || value === undefined || value === "") next.delete(key);
        else next.set(key, String(value));
      }
      if (resetPage && !("page" in changes)) next.delete("page");
      latest.current = next;
      setParams(next, { replace: true });
    },
    [setParams],
  );
  const page = Math.max(1, Number(params.get("page")) || 1);
  return { params, update, page };
}
