import type { ReactNode } from "react";

const TONES = {
  error: "border-red-300 bg-red-50 text-red-900 dark:border-red-700 dark:bg-red-950 dark:text-red-100",
  warning: "border-amber-300 bg-amber-50 text-amber-950 dark:border-amber-600 dark:bg-amber-950 dark:text-amber-100",
  info: "border-blue-300 bg-blue-50 text-blue-950 dark:border-blue-700 dark:bg-blue-950 dark:text-blue-100",
  success: "border-green-300 bg-green-50 text-green-950 dark:border-green-700 dark:bg-green-950 dark:text-green-100",
} as const;

/** A message box; errors use role="alert" so they are announced. */
export function Alert({ tone = "error", children }: { tone?: keyof typeof TONES; children: ReactNode }) {
  return (
    <div role={tone === "error" ? "alert" : "status"} className={`rounded-md border px-3 py-2 text-sm ${TONES[tone]}`}>
      {children}
    </div>
  );
}

/** A screen's last outcome: what was done (success) and what failed, each when there is one. */
export function Outcome({ notice, failure }: { notice: string | null; failure: string | null }) {
  return (
    <>
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      {failure ? <Alert>{failure}</Alert> : null}
    </>
  );
}
