import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { hasRole, useAuth } from "./auth";

/** The API's health (polled): maintenance mode turns editing off everywhere. */
export function useHealth() {
  return useQuery({
    queryKey: ["health"],
    queryFn: async () => {
      const result = await api.GET("/api/health");
      // 503 still carries the body (a dependency is down); show what we know.
      return result.data ?? (result.error as unknown as null) ?? null;
    },
    refetchInterval: 60_000,
    retry: false,
  });
}

export function useMaintenance(): { enabled: boolean; message: string | null } {
  const { data } = useHealth();
  const maintenance = data && typeof data === "object" && "maintenance" in data ? data.maintenance : null;
  return { enabled: maintenance?.enabled === true, message: maintenance?.message ?? null };
}

/** Editors and admins may edit, unless the API is in maintenance mode. */
export function useCanEdit(): boolean {
  const { user } = useAuth();
  const { enabled } = useMaintenance();
  return hasRole(user, "editor") && !enabled;
}

export { unwrap };
