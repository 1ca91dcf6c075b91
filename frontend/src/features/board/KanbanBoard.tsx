import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import {
  closestCorners,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useDroppable,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
} from "@dnd-kit/core";
import { SortableContext, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { api, unwrap } from "../../api/client";
import { toApiError } from "../../api/errors";
import { useCanEdit } from "../../app/health";
import { Alert } from "../../components/ui/Alert";
import { ErrorMessage, useErrorText } from "../../components/ui/ErrorMessage";
import { Loading } from "../../components/ui/Spinner";
import { useFormat } from "../../i18n/format";
import { Avatar } from "./Avatar";
import { toCard, type CardView } from "./cards";
import { boardKeyboardCoordinates, columnDroppable, containerOf as columnOf, dropPosition, dropResult, moveAcross, reorderIds, type Items } from "./moves";

const PAGE = 50;

type Column = { id: string; title: string; count: number };
type Board = NonNullable<ReturnType<typeof usePipeline>["data"]>;

function usePipeline(projectId: string | null) {
  return useQuery({
    queryKey: ["pipeline", projectId],
    queryFn: async () => unwrap(await api.GET("/api/pipeline", { params: { query: { limit: PAGE, ...(projectId ? { projectId } : {}) } } })),
  });
}

function Card({ card, canEdit }: { card: CardView; canEdit: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: card.id, disabled: !canEdit });
  return (
    <li
      ref={setNodeRef}
      style={{ transform: CSS.Transform.toString(transform), transition }}
      className={`card flex items-start gap-2 p-2 ${isDragging ? "opacity-50" : ""}`}
    >
      <Avatar teacherId={card.id} picture={card.picture} name={card.name} />
      <div className="min-w-0 flex-1">
        <Link to={`/teachers/${card.id}`} className="link block truncate font-medium">
          {card.name || t("teachers.unnamed")}
        </Link>
        {card.school ? <p className="truncate text-xs muted">{card.school}</p> : null}
        {card.expiry ? (
          <p className="text-xs muted">
            {t("kanban.expires", { document: t(`documents.types.${card.expiry.type}`), date: format.date(card.expiry.date) })}
          </p>
        ) : null}
      </div>
      {canEdit ? (
        <button
          type="button"
          ref={setActivatorNodeRef}
          {...attributes}
          {...listeners}
          aria-label={t("kanban.move", { name: card.name })}
          className="btn btn-small cursor-grab touch-none"
        >
          <span aria-hidden="true">⠿</span>
        </button>
      ) : null}
    </li>
  );
}

function ColumnView({ column, ids, cards, canEdit, onLoadMore, loadingMore }: { column: Column; ids: string[]; cards: Map<string, CardView>; canEdit: boolean; onLoadMore: () => void; loadingMore: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { setNodeRef, isOver } = useDroppable({ id: columnDroppable(column.id) });
  const headingId = `column-${column.id}`;
  const remaining = column.count - ids.length;
  return (
    <section aria-labelledby={headingId} className={`flex w-72 shrink-0 flex-col rounded-lg bg-slate-100 p-2 dark:bg-slate-800 ${isOver ? "ring-2 ring-blue-500" : ""}`}>
      <h2 id={headingId} className="mb-2 flex items-center justify-between px-1 text-sm font-semibold">
        <span>{column.title}</span>
        <span className="rounded bg-white px-1.5 text-xs dark:bg-slate-900" aria-label={t("kanban.countLabel", { count: column.count })}>
          {format.number(column.count)}
        </span>
      </h2>
      <SortableContext id={column.id} items={ids} strategy={verticalListSortingStrategy}>
        <ul ref={setNodeRef} className="flex min-h-16 flex-col gap-2">
          {ids.map((id) => {
            const card = cards.get(id);
            return card ? <Card key={id} card={card} canEdit={canEdit} /> : null;
          })}
        </ul>
      </SortableContext>
      {remaining > 0 ? (
        <button type="button" className="btn btn-small mt-2 justify-center" disabled={loadingMore} onClick={onLoadMore}>
          {t("kanban.loadMore", { count: Math.min(remaining, PAGE) })}
        </button>
      ) : null}
    </section>
  );
}

export default function KanbanBoard({ projectId }: { projectId: string | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  const canEdit = useCanEdit();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const board = usePipeline(projectId);
  const [items, setItems] = useState<Items>({});
  const [cards, setCards] = useState<Map<string, CardView>>(new Map());
  const [failure, setFailure] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState<string | null>(null);
  const before = useRef<Items | null>(null);
  const dragFrom = useRef<string | null>(null);
  /** The board as the keyboard sensor sees it (its coordinate getter outlives renders). */
  const latest = useRef<{ order: string[]; items: Items }>({ order: [], items: {} });

  const columns = useMemo<Column[]>(
    () => (board.data ?? []).map((c) => ({ id: c._id, title: c._id === "uncategorized" ? t("kanban.uncategorized") : c.title, count: c.count ?? 0 })),
    [board.data, t],
  );

  /** Server data replaces the board, except in the middle of a drag (a refetch then waits
   * until the drop, so it cannot pull the card back from where the user is moving it). */
  const dragging = useRef(false);
  const apply = useCallback((data: Board) => {
    const next: Items = {};
    const map = new Map<string, CardView>();
    for (const column of data) {
      next[column._id] = (column.teachers ?? []).map((card) => {
        map.set(card._id, toCard(card));
        return card._id;
      });
    }
    setItems(next);
    setCards(map);
  }, []);
  useEffect(() => {
    if (board.data && !dragging.current) apply(board.data);
  }, [board.data, apply]);
  useEffect(() => {
    latest.current = { order: columns.map((c) => c.id), items };
  }, [columns, items]);

  const coordinateGetter = useMemo(() => boardKeyboardCoordinates(() => latest.current), []);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter, scrollBehavior: "auto" }),
  );

  const containerOf = (id: string): string | undefined => columnOf(items, id);
  const titleOf = (columnId: string | undefined) => columns.find((c) => c.id === columnId)?.title ?? "";
  const nameOf = (id: string | number) => cards.get(String(id))?.name ?? "";

  const where = (active: string | number, over: string | number) => {
    const place = dropPosition(items, String(active), String(over));
    return { name: nameOf(active), column: titleOf(place?.column), position: format.number(place?.position ?? 0), count: format.number(place?.count ?? 0) };
  };
  const announcements: Announcements = {
    onDragStart: ({ active }) => t("kanban.announce.start", { name: nameOf(active.id) }),
    onDragOver: ({ active, over }) => (over ? t("kanban.announce.over", where(active.id, over.id)) : t("kanban.announce.none", { name: nameOf(active.id) })),
    onDragEnd: ({ active, over }) => (over ? t("kanban.announce.end", where(active.id, over.id)) : t("kanban.announce.cancel", { name: nameOf(active.id) })),
    onDragCancel: ({ active }) => t("kanban.announce.cancel", { name: nameOf(active.id) }),
  };

  const onDragStart = ({ active }: DragStartEvent) => {
    dragging.current = true;
    before.current = items;
    dragFrom.current = containerOf(String(active.id)) ?? null;
    setFailure(null);
  };

  const onDragOver = ({ active, over }: DragOverEvent) => {
    if (!over) return;
    setItems((current) => moveAcross(current, String(active.id), String(over.id)));
  };

  const settle = () => {
    dragging.current = false;
    void queryClient.invalidateQueries({ queryKey: ["teachers"] });
    void queryClient.invalidateQueries({ queryKey: ["pipeline", projectId] });
  };

  const onDragEnd = async ({ active, over }: DragEndEvent) => {
    const snapshot = before.current;
    const origin = dragFrom.current;
    before.current = null;
    dragFrom.current = null;
    const drop = over && snapshot ? dropResult(items, String(active.id), String(over.id)) : null;
    if (!drop || !snapshot) {
      if (snapshot) setItems(snapshot);
      dragging.current = false;
      if (board.data) apply(board.data);
      return;
    }
    if (origin === drop.column && JSON.stringify(snapshot[drop.column]) === JSON.stringify(drop.ids)) {
      dragging.current = false;
      if (board.data) apply(board.data);
      return;
    }
    // The loaded cards of the column in their new order: the API puts them at the top of the
    // column in that order and keeps the cards not loaded here after them.
    const teacherIds = reorderIds(drop.ids, String(active.id));
    if (!teacherIds) {
      setItems(snapshot);
      setFailure(t("kanban.tooDeep"));
      settle();
      return;
    }
    setItems({ ...items, [drop.column]: drop.ids }); // optimistic
    const result = await api.PUT("/api/teachers/pipeline/reorder", { body: { stage: drop.column, teacherIds } });
    if (!result.response.ok) {
      setItems(snapshot); // rolled back
      setFailure(t("kanban.moveFailed", { reason: errorText(toApiError(result.response, result.error)) }));
    }
    settle();
  };

  const loadMore = async (column: Column) => {
    setLoadingMore(column.id);
    try {
      const loaded = items[column.id]?.length ?? 0;
      const rows = unwrap(
        await api.GET("/api/teachers", {
          params: { query: { pipelineStage: column.id, sort: "pipelineOrder", order: "asc", offset: loaded, limit: PAGE, ...(projectId ? { projectId } : {}) } },
        }),
      );
      setCards((current) => {
        const map = new Map(current);
        for (const row of rows) map.set(row._id, toCard(row));
        return map;
      });
      setItems((current) => ({ ...current, [column.id]: [...(current[column.id] ?? []), ...rows.map((r) => r._id).filter((id) => !current[column.id]?.includes(id))] }));
    } catch (error) {
      setFailure(errorText(error));
    } finally {
      setLoadingMore(null);
    }
  };

  if (board.isLoading) return <Loading />;
  if (board.error) return <ErrorMessage error={board.error} />;
  return (
    <div className="flex flex-col gap-3">
      {failure ? <Alert>{failure}</Alert> : null}
      <p className="text-sm muted">{canEdit ? t("kanban.help") : t("kanban.readOnly")}</p>
      <DndContext
        sensors={sensors}
        collisionDetection={closestCorners}
        onDragStart={onDragStart}
        onDragOver={onDragOver}
        onDragEnd={(event) => void onDragEnd(event)}
        onDragCancel={() => {
          if (before.current) setItems(before.current);
          before.current = null;
          dragging.current = false;
          if (board.data) apply(board.data);
        }}
        accessibility={{ announcements, screenReaderInstructions: { draggable: t("kanban.boardInstructions") } }}
      >
        <div className="flex gap-3 overflow-x-auto pb-3">
          {columns.map((column) => (
            <ColumnView
              key={column.id}
              column={column}
              ids={items[column.id] ?? []}
              cards={cards}
              canEdit={canEdit}
              loadingMore={loadingMore === column.id}
              onLoadMore={() => void loadMore(column)}
            />
          ))}
        </div>
      </DndContext>
    </div>
  );
}
