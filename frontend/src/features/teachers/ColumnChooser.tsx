import { useTranslation } from "react-i18next";
import { COLUMNS } from "./columns";

export function ColumnChooser({ visible, onChange }: { visible: string[]; onChange: (next: string[]) => void }) {
  const { t } = useTranslation();
  return (
    <details className="relative">
      <summary className="btn cursor-pointer list-none">{t("teachers.columnsButton")}</summary>
      <fieldset className="card absolute right-0 z-20 mt-1 w-60 p-3">
        <legend className="sr-only">{t("teachers.columnsButton")}</legend>
        {COLUMNS.map((col) => (
          <label key={col.id} className="flex items-center gap-2 py-0.5 text-sm">
            <input
              type="checkbox"
              checked={visible.includes(col.id)}
              disabled={col.id === "name"}
              onChange={(e) =>
                onChange(e.target.checked ? COLUMNS.map((c) => c.id).filter((id) => id === col.id || visible.includes(id)) : visible.filter((id) => id !== col.id))
              }
            />
            {t(`teachers.columns.${col.id}`)}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
