import { useMemo } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef as TableColumn,
  type SortingState,
  type VisibilityState,
} from "@tanstack/react-table";
import type { SortField, Teacher } from "../../api/types";
import { useFormat } from "../../i18n/format";
import { COLUMNS } from "./columns";

type Props = {
  rows: Teacher[];
  total: number;
  visible: string[];
  sort: SortField;
  order: "asc" | "desc";
  onSort: (sort: SortField, order: "asc" | "desc") => void;
  stageTitle: (id: string | null | undefined) => string;
  busy: boolean;
  /** Listing soft-deleted teachers: names are not links (no profile), each row can be restored. */
  deleted?: { onRestore: (teacher: Teacher) => void; canRestore: boolean } | undefined;
};

/** The teachers table: TanStack Table in manual (server-side) sorting and paging mode. */
export function TeacherTable({ rows, total, visible, sort, order, onSort, stageTitle, busy, deleted }: Props) {
  const { t, i18n } = useTranslation();
  const format = useFormat();
  const columns = useMemo<TableColumn<Teacher>[]>(
    () => [
      ...COLUMNS.map((col): TableColumn<Teacher> => ({
        id: col.id,
        header: () => t(`teachers.columns.${col.id}`),
        enableSorting: !!col.sort,
        cell: ({ row }) => {
          const raw = col.value(row.original, { stageTitle, lng: i18n.language });
          const text = col.kind === "date" ? format.date(raw as string) : col.kind === "number" ? format.number(raw ?? null) : (raw ?? "");
          if (col.id === "name" && deleted) return <span className="font-medium">{text || t("teachers.unnamed")}</span>;
          if (col.id === "name") {
            return (
              <Link to={`/teachers/${row.original._id}`} className="link font-medium">
                {text || t("teachers.unnamed")}
              </Link>
            );
          }
          return text;
        },
      })),
      ...(deleted
        ? [
            {
              id: "deletedAt",
              header: () => t("teachers.columns.deletedAt"),
              enableSorting: false,
              cell: ({ row }) => t("teachers.deletedOn", { at: format.dateTime(row.original.deletedAt), by: row.original.deletedBy ?? "" }),
            } satisfies TableColumn<Teacher>,
            {
              id: "actions",
              header: () => t("teachers.columns.actions"),
              enableSorting: false,
              cell: ({ row }) => {
                const name = [row.original.firstName, row.original.lastName].filter(Boolean).join(" ") || t("teachers.unnamed");
                return (
                  <button type="button" className="btn btn-small" disabled={!deleted.canRestore} aria-label={t("teachers.restoreNamed", { name })} onClick={() => deleted.onRestore(row.original)}>
                    {t("profile.restore")}
                  </button>
                );
              },
            } satisfies TableColumn<Teacher>,
          ]
        : []),
    ],
    [t, i18n.language, stageTitle, format, deleted],
  );
  const sortColumn = COLUMNS.find((c) => c.sort === sort)?.id ?? "createdAt";
  const sorting: SortingState = [{ id: sortColumn, desc: order === "desc" }];
  const columnVisibility: VisibilityState = Object.fromEntries(COLUMNS.map((c) => [c.id, visible.includes(c.id)]));
  const shown = visible.length + (deleted ? 2 : 0);
  const table = useReactTable({
    data: rows,
    columns,
    getRowId: (row) => row._id,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualPagination: true,
    rowCount: total,
    state: { sorting, columnVisibility },
    onSortingChange: (updater) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      const first = next[0];
      const field = COLUMNS.find((c) => c.id === first?.id)?.sort;
      if (first && field) onSort(field, first.desc ? "desc" : "asc");
    },
  });

  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700">
      <table className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-700" aria-busy={busy}>
        <caption className="sr-only">{deleted ? t("teachers.deletedCaption") : t("teachers.tableCaption")}</caption>
        <thead className="bg-slate-100 dark:bg-slate-800">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const ariaSort = sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none";
                return (
                  <th key={header.id} scope="col" aria-sort={header.column.getCanSort() ? ariaSort : undefined} className="px-3 py-2 text-left font-semibold whitespace-nowrap">
                    {header.column.getCanSort() ? (
                      <button
                        type="button"
                        className="inline-flex items-center gap-1 hover:underline"
                        onClick={() => {
                          const field = COLUMNS.find((c) => c.id === header.column.id)?.sort;
                          if (!field) return;
                          onSort(field, sorted === "asc" ? "desc" : "asc");
                        }}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span aria-hidden="true">{sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : "↕"}</span>
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody className="divide-y divide-slate-100 bg-white dark:divide-slate-800 dark:bg-slate-900">
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} className="hover:bg-slate-50 dark:hover:bg-slate-800">
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id} className="px-3 py-2 whitespace-nowrap">
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
            </tr>
          ))}
          {rows.length === 0 && !busy ? (
            <tr>
              <td colSpan={shown || 1} className="px-3 py-6 text-center muted">
                {deleted ? t("teachers.noDeleted") : t("teachers.noMatches")}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
