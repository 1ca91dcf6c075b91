import { useEffect, useId, useRef, type ReactNode } from "react";

type DialogProps = {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** "alertdialog" for confirmations and conflicts that need an answer. */
  role?: "dialog" | "alertdialog";
  description?: string;
  wide?: boolean;
};

/** A modal built on the native <dialog> (focus trap, Escape, inert background). */
export function Dialog({ open, title, onClose, children, role = "dialog", description, wide }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      role={role}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      aria-modal="true"
      onClose={onClose}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      className={`card m-auto w-full ${wide ? "max-w-3xl" : "max-w-lg"} p-0 text-slate-900 dark:text-slate-100`}
    >
      {open ? (
        <div className="p-5">
          <h2 id={titleId} className="mb-3 text-lg font-semibold">
            {title}
          </h2>
          {description ? (
            <p id={descriptionId} className="mb-4 muted">
              {description}
            </p>
          ) : null}
          {children}
        </div>
      ) : null}
    </dialog>
  );
}
