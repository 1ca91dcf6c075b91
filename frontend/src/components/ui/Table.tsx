import type { ReactNode } from "react";

export const TH = "px-3 py-2 text-left font-semibold whitespace-nowrap";
export const TD = "px-3 py-2 align-top";

/**
 * A bordered, horizontally scrollable table with a (visually hidden) caption naming it; `columns`
 * are plain column headers (`head` for headers that need more).
 */
export function TableShell({ caption, busy, columns, head, children }: { caption: string; busy?: boolean; columns?: (string | false)[]; head?: ReactNode; children: ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700">
      <table className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-700" aria-busy={busy ?? false}>
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-100 dark:bg-slate-800">
          <tr>
            {(columns ?? []).filter((c): c is string => c !== false).map((column) => (
              <th key={column} scope="col" className={TH}>
                {column}
              </th>
            ))}
            {head}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 bg-white dark:divide-slate-800 dark:bg-slate-900">{children}</tbody>
      </table>
    </div>
  );
}

/** The row a table shows when it has nothing to list. */
export function EmptyRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-3 py-6 text-center muted">
        {children}
      </td>
    </tr>
  );
}

/** A small inline label (e.g. "Deleted", "Locked"). */
export function Badge({ tone = "neutral", children }: { tone?: "neutral" | "warning" | "danger" | "success"; children: ReactNode }) {
  const tones = {
    neutral: "bg-slate-200 text-slate-900 dark:bg-slate-700 dark:text-slate-100",
    warning: "bg-amber-100 text-amber-950 dark:bg-amber-900 dark:text-amber-50",
    danger: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-50",
    success: "bg-green-100 text-green-900 dark:bg-green-900 dark:text-green-50",
  } as const;
  return <span className={`inline-block rounded px-1.5 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}
