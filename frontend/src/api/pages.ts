import { unwrap } from "./errors";

/**
 * The page size for lookups the app keeps whole (projects, schools, users, alert rules): at most
 * the API's EXPENSIVE_PAGE_SIZE, so loading them never spends the user's budget of expensive
 * reads (a page without `limit` counts as one of MAX_PAGE_SIZE).
 */
export const LOOKUP_PAGE = 200;

type PageResult<T> = { data?: T[]; error?: unknown; response: Response };

/** Every item of a paged list: pages of LOOKUP_PAGE until `X-Total-Count` is reached. */
export async function allPages<T>(fetchPage: (page: { limit: number; offset: number }) => Promise<PageResult<T>>): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const result = await fetchPage({ limit: LOOKUP_PAGE, offset: items.length });
    const page = unwrap(result);
    items.push(...page);
    const total = Number(result.response.headers.get("X-Total-Count") ?? items.length);
    if (page.length === 0 || page.length < LOOKUP_PAGE || items.length >= total) return items;
  }
}
