import { useRef, type ReactNode } from "react";

type Tab = { id: string; label: string };

/** WAI-ARIA tabs (arrow keys move between tabs); the selected tab lives in the URL. */
export function Tabs({ tabs, selected, onSelect, label, children }: { tabs: Tab[]; selected: string; onSelect: (id: string) => void; label: string; children: ReactNode }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const move = (delta: number) => {
    const index = tabs.findIndex((t) => t.id === selected);
    const next = tabs[(index + delta + tabs.length) % tabs.length];
    if (next) {
      onSelect(next.id);
      refs.current[next.id]?.focus();
    }
  };
  return (
    <div>
      <div role="tablist" aria-label={label} className="mb-4 flex gap-1 border-b border-slate-200 dark:border-slate-700">
        {tabs.map((tab) => (
          <button
            key={tab.id}
            ref={(el) => {
              refs.current[tab.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            aria-selected={tab.id === selected}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === selected ? 0 : -1}
            onClick={() => onSelect(tab.id)}
            onKeyDown={(e) => {
              if (e.key === "ArrowRight") move(1);
              if (e.key === "ArrowLeft") move(-1);
            }}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${tab.id === selected ? "border-blue-700 text-blue-800 dark:border-blue-400 dark:text-blue-200" : "border-transparent text-slate-700 dark:text-slate-300"}`}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${selected}`} aria-labelledby={`tab-${selected}`} tabIndex={0}>
        {children}
      </div>
    </div>
  );
}
