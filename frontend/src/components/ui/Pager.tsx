import { useTranslation } from "react-i18next";
import { useFormat } from "../../i18n/format";

type PagerProps = {
  page: number;
  size: number;
  total: number;
  label: string;
  onPage: (page: number) => void;
};

/** Previous / "Page x of y" / Next for a server-side paged list. */
export function Pager({ page, size, total, label, onPage }: PagerProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1 && page <= 1) return null;
  return (
    <nav aria-label={label} className="flex flex-wrap items-center gap-3">
      <button type="button" className="btn" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t("common.previous")}
      </button>
      <span className="text-sm">{t("teachers.pageOf", { page: format.number(page), pages: format.number(pages) })}</span>
      <button type="button" className="btn" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t("common.next")}
      </button>
    </nav>
  );
}

/** The total of a paged response (`X-Total-Count`). */
export function totalOf(response: Response): number {
  return Number(response.headers.get("X-Total-Count") ?? 0);
}
