/** A labelled progress bar (role="progressbar" with its value). */
export function Progress({ label, value }: { label: string; value: number }) {
  const percent = Math.round(value * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      className="h-2 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-700"
    >
      <div className="h-full bg-blue-600 transition-[width]" style={{ width: `${percent}%` }} />
    </div>
  );
}
