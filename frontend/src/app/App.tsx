import type { ComponentType, ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createBrowserRouter, Navigate, RouterProvider, useLocation } from "react-router";
import { ApiError } from "../api/errors";
import { AuthProvider, useAuth } from "./auth";
import { ProjectProvider } from "./project";
import { PreferencesSync } from "./preferences";
import { Layout } from "./Layout";
import { Loading } from "../components/ui/Spinner";
import LoginPage from "../pages/LoginPage";

// Every page but sign-in is its own chunk: the first load carries only the shell. The router
// loads a route's chunk before rendering it (route `lazy`), so opening the app on a page fetches
// that page's code while the session is being renewed, and nothing suspends on the way.
const teachersPage = () => import("../pages/TeachersPage");
const teacherProfilePage = () => import("../pages/TeacherProfilePage");
const changePasswordPage = () => import("../pages/ChangePasswordPage");
const notFoundPage = () => import("../pages/NotFoundPage");
const dashboardPage = () => import("../pages/DashboardPage");
const schoolsPage = () => import("../pages/SchoolsPage");
const schoolProfilePage = () => import("../pages/SchoolProfilePage");
const documentsPage = () => import("../pages/DocumentsPage");
const settingsPage = () => import("../pages/SettingsPage");
const settings = {
  projects: () => import("../pages/settings/ProjectsSettings"),
  stages: () => import("../pages/settings/StagesSettings"),
  alerts: () => import("../pages/settings/AlertRulesSettings"),
  users: () => import("../pages/settings/UsersSettings"),
  preferences: () => import("../pages/settings/PreferencesSettings"),
  import: () => import("../pages/settings/ImportSettings"),
  audit: () => import("../pages/settings/AuditSettings"),
  operations: () => import("../pages/settings/OperationsSettings"),
};

function lazyPage(load: () => Promise<{ default: ComponentType }>) {
  return async () => ({ Component: (await load()).default });
}

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      retry: (count, error) =>
        count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    },
    mutations: { retry: false },
  },
});

function RequireSession({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "starting") return <Loading />;
  if (status === "signed-out") {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return (
    <ProjectProvider>
      <PreferencesSync />
      {children}
    </ProjectProvider>
  );
}

const router = createBrowserRouter([
  { path: "/login", element: <LoginPage /> },
  {
    path: "/",
    element: (
      <RequireSession>
        <Layout />
      </RequireSession>
    ),
    hydrateFallbackElement: <Loading />,
    children: [
      { index: true, lazy: lazyPage(dashboardPage) },
      { path: "teachers", lazy: lazyPage(teachersPage) },
      { path: "teachers/:id", lazy: lazyPage(teacherProfilePage) },
      { path: "schools", lazy: lazyPage(schoolsPage) },
      { path: "schools/:id", lazy: lazyPage(schoolProfilePage) },
      { path: "documents", lazy: lazyPage(documentsPage) },
      {
        path: "settings",
        lazy: lazyPage(settingsPage),
        children: [
          { index: true, element: <Navigate to="projects" replace /> },
          ...Object.entries(settings).map(([path, load]) => ({ path, lazy: lazyPage(load) })),
          { path: "*", element: <Navigate to="/settings/projects" replace /> },
        ],
      },
      { path: "account/password", lazy: lazyPage(changePasswordPage) },
      { path: "*", lazy: lazyPage(notFoundPage) },
    ],
  },
]);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>
    </QueryClientProvider>
  );
}
