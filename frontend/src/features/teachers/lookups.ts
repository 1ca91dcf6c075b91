import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { allPages } from "../../api/pages";
import type { School, Stage } from "../../api/types";

export function useStages() {
  return useQuery({
    queryKey: ["stages"],
    queryFn: async () => unwrap(await api.GET("/api/stages")),
    staleTime: 60_000,
  });
}

export function useSchools() {
  return useQuery({
    queryKey: ["schools", "all"],
    queryFn: () => allPages((page) => api.GET("/api/schools", { params: { query: page } })),
    staleTime: 60_000,
  });
}

type Named = { name?: { [key: string]: unknown } | null };

export function schoolName(school: School | Named | null | undefined, lng: string): string {
  const name = school?.name;
  if (!name) return "";
  const chinese = typeof name.chinese === "string" ? name.chinese : "";
  const english = typeof name.english === "string" ? name.english : "";
  return lng.startsWith("zh") ? chinese || english : english || chinese;
}

export function stageTitles(stages: Stage[] | undefined): Map<string, string> {
  return new Map((stages ?? []).map((s) => [s._id, s.title]));
}
