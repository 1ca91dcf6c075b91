import { useId, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, LabelList, ResponsiveContainer, XAxis, YAxis } from "recharts";
import { useFormat } from "../../i18n/format";
import type { Entry } from "./model";

// Fills as classes (light and dark theme), each at least 3:1 against the card behind it.
const FILL = {
  default: "fill-blue-700 dark:fill-blue-400",
  employed: "fill-emerald-700 dark:fill-emerald-400",
  none: "fill-slate-500 dark:fill-slate-400",
  active: "fill-amber-600 dark:fill-amber-300",
} as const;

/** Long values are shortened on the axis (the bar's name and the table view have them whole). */
const short = (value: unknown) => {
  const text = String(value ?? "");
  return text.length > 20 ? `${text.slice(0, 19)}…` : text;
};

const NONE_KEYS: Record<string, string> = {
  Unspecified: "unspecified",
  Unknown: "unknown",
  "Not Specified": "notSpecified",
  Pending: "pending",
  Uncategorized: "uncategorized",
  uncategorized: "uncategorized",
};

type BarProps = { x?: number; y?: number; width?: number; height?: number; payload?: Entry & { display: string } };

type ChartCardProps = {
  id: string;
  title: string;
  entries: Entry[];
  /** The value this chart's filter has now (its bar is highlighted and pressed). */
  active: string | undefined;
  onSelect: (entry: Entry) => void;
};

/**
 * One dashboard chart: horizontal bars (Recharts) whose bars are buttons — a click or Enter filters
 * the dashboard by that value — with a table view of the same numbers as its text alternative.
 */
export function ChartCard({ id, title, entries, active, onSelect }: ChartCardProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const titleId = useId();
  const [asTable, setAsTable] = useState(false);
  // The API's words for "no value" (FETMS's labels) read in the UI language.
  const display = (entry: Entry) => (entry.tone === "none" ? t(`dashboard.none.${NONE_KEYS[entry.label] ?? "unspecified"}`) : entry.label);
  const data = entries.map((entry) => ({ ...entry, display: display(entry) }));
  const name = (entry: Entry) => t("dashboard.filterBy", { chart: title, value: display(entry), count: entry.count, formatted: format.number(entry.count) });

  const shape = (props: BarProps) => {
    const { x = 0, y = 0, width = 0, height = 0, payload } = props;
    if (!payload) return <g />;
    const selected = payload.value === active;
    const fill = FILL[selected ? "active" : payload.tone];
    if (payload.count === 0) return <g aria-hidden="true" />;
    const choose = () => onSelect(payload);
    return (
      <rect
        x={x}
        y={y}
        width={Math.max(width, 3)}
        height={height}
        rx={2}
        className={`${fill} cursor-pointer outline-none focus-visible:stroke-slate-900 focus-visible:stroke-2 dark:focus-visible:stroke-white`}
        role="button"
        tabIndex={0}
        aria-pressed={selected}
        aria-label={name(payload)}
        onClick={choose}
        onKeyDown={(event: KeyboardEvent<SVGRectElement>) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            choose();
          }
        }}
      />
    );
  };

  const height = Math.max(120, data.length * 30 + 30);
  return (
    <figure aria-labelledby={titleId} className="card flex flex-col gap-2 p-4" data-chart={id}>
      <div className="flex items-center gap-2">
        <figcaption id={titleId} className="mr-auto font-semibold">
          {title}
        </figcaption>
        <button type="button" className="btn btn-small" aria-pressed={asTable} aria-label={t("dashboard.tableView", { chart: title })} onClick={() => setAsTable((v) => !v)}>
          {t("dashboard.table")}
        </button>
      </div>
      {data.length === 0 ? (
        <p className="text-sm muted">{t("dashboard.noData")}</p>
      ) : asTable ? (
        <table className="text-sm">
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col" className="py-1 text-left font-semibold">
                {t("dashboard.value")}
              </th>
              <th scope="col" className="py-1 text-right font-semibold">
                {t("dashboard.teachers")}
              </th>
              <th scope="col" className="py-1 text-right font-semibold">
                <span className="sr-only">{t("common.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((entry) => (
              <tr key={entry.value} className="border-t border-slate-100 dark:border-slate-800">
                <th scope="row" className="py-1 text-left font-normal">
                  {entry.display}
                </th>
                <td className="py-1 text-right tabular-nums">{format.number(entry.count)}</td>
                <td className="py-1 text-right">
                  <button type="button" className="btn btn-small" aria-pressed={entry.value === active} aria-label={name(entry)} disabled={entry.count === 0} onClick={() => onSelect(entry)}>
                    {t("dashboard.filter")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div role="group" aria-label={t("dashboard.chartGroup", { chart: title })} className="chart">
          <ResponsiveContainer width="100%" height={height}>
            <BarChart data={data} layout="vertical" margin={{ top: 0, right: 40, bottom: 0, left: 0 }} accessibilityLayer={false}>
              <XAxis type="number" allowDecimals={false} hide />
              <YAxis type="category" dataKey="display" width={150} tickLine={false} axisLine={false} interval={0} tickFormatter={short} />
              <Bar dataKey="count" shape={shape} isAnimationActive={false} maxBarSize={22}>
                <LabelList dataKey="count" position="right" formatter={(value: unknown) => format.number(typeof value === "number" ? value : null)} />
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
