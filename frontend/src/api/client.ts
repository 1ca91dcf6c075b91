import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { authorizedFetch } from "./session";

/** The typed API client (generated types from /api/openapi.json), same origin as the SPA. */
export const api = createClient<paths>({
  baseUrl: "/",
  credentials: "same-origin",
  fetch: authorizedFetch,
});

export { unwrap, ApiError } from "./errors";
