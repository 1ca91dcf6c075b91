import { lazy, Suspense, type ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createBrowserRouter, Navigate, RouterProvider, useLocation } from "react-router";
import { ApiError } from "../api/errors";
import { AuthProvider, useAuth } from "./auth";
import { ProjectProvider } from "./project";
import { Layout } from "./Layout";
import { Loading } from "../components/ui/Spinner";
import LoginPage from "../pages/LoginPage";

// Every page but sign-in is its own chunk: the first load carries only the shell.
const TeachersPage = lazy(() => import("../pages/TeachersPage"));
const TeacherProfilePage = lazy(() => import("../pages/TeacherProfilePage"));
const ChangePasswordPage = lazy(() => import("../pages/ChangePasswordPage"));
const PlaceholderPage = lazy(() => import("../pages/PlaceholderPage"));
const NotFoundPage = lazy(() => import("../pages/NotFoundPage"));

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
  return <ProjectProvider>{children}</ProjectProvider>;
}

function page(element: ReactNode) {
  return <Suspense fallback={<Loading />}>{element}</Suspense>;
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
    children: [
      { index: true, element: page(<PlaceholderPage area="dashboard" />) },
      { path: "teachers", element: page(<TeachersPage />) },
      { path: "teachers/:id", element: page(<TeacherProfilePage />) },
      { path: "schools", element: page(<PlaceholderPage area="schools" />) },
      { path: "documents", element: page(<PlaceholderPage area="documents" />) },
      { path: "settings", element: page(<PlaceholderPage area="settings" />) },
      { path: "account/password", element: page(<ChangePasswordPage />) },
      { path: "*", element: page(<NotFoundPage />) },
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
