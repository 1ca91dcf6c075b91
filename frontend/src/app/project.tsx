import { createContext, useContext, useEffect, useMemo, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { allPages } from "../api/pages";
import type { Project } from "../api/types";
import { setPref, usePref } from "./prefs";
import { useAuth } from "./auth";

type ProjectValue = {
  projects: Project[];
  projectId: string | null;
  project: Project | null;
  setProjectId: (id: string) => void;
  loading: boolean;
};

const ProjectContext = createContext<ProjectValue | null>(null);

/** The selected project (FETMS's ProjectContext): every list is per project; remembered per user. */
export function ProjectProvider({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const key = `project.${user?._id ?? "anonymous"}`;
  const stored = usePref(key);
  const query = useQuery({
    queryKey: ["projects"],
    queryFn: () => allPages((page) => api.GET("/api/projects", { params: { query: page } })),
    enabled: !!user,
    staleTime: 60_000,
  });
  const projects = useMemo(() => query.data ?? [], [query.data]);
  const selected = projects.find((p) => p._id === stored) ?? projects[0] ?? null;
  // Until the project list arrives, the remembered project stands in: lists start loading at
  // once instead of after another round trip (a project that is gone is replaced when it comes).
  const projectId = query.data ? (selected?._id ?? null) : stored;

  useEffect(() => {
    if (selected && selected._id !== stored) setPref(key, selected._id);
  }, [selected, stored, key]);

  const value = useMemo<ProjectValue>(
    () => ({
      projects,
      projectId,
      project: selected,
      setProjectId: (id) => setPref(key, id),
      loading: query.isLoading,
    }),
    [projects, selected, projectId, key, query.isLoading],
  );
  return <ProjectContext.Provider value={value}>{children}</ProjectContext.Provider>;
}

export function useProject(): ProjectValue {
  const value = useContext(ProjectContext);
  if (!value) throw new Error("useProject outside ProjectProvider");
  return value;
}
