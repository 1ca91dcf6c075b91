/**
 * The kanban's move rules, kept free of React so they can be tested on their own.
 *
 * `Items` is the board as the browser holds it: for each column (stage id or `uncategorized`)
 * the ids of its loaded cards, top first. Droppable ids are card ids and `column:<id>` for the
 * columns' lists (the target when a column is empty or a card is dropped below its last card).
 */
import type { KeyboardCoordinateGetter } from "@dnd-kit/core";
import { arrayMove } from "@dnd-kit/sortable";

export type Items = Record<string, string[]>;

/** The API's limit on `teacherIds` in one pipeline reorder. */
export const MAX_REORDER = 1000;

const COLUMN_PREFIX = "column:";

export function columnDroppable(columnId: string): string {
  return `${COLUMN_PREFIX}${columnId}`;
}

/** The column a droppable (a card or a column's list) belongs to. */
export function containerOf(items: Items, id: string): string | undefined {
  if (id.startsWith(COLUMN_PREFIX)) return id.slice(COLUMN_PREFIX.length);
  return Object.keys(items).find((key) => items[key]?.includes(id));
}

/** While dragging over another column: the card leaves its column and enters that one above
 * the card it is over (or at the end when over the column itself). */
export function moveAcross(items: Items, activeId: string, overId: string): Items {
  const from = containerOf(items, activeId);
  const to = containerOf(items, overId);
  if (!from || !to || from === to) return items;
  const source = (items[from] ?? []).filter((id) => id !== activeId);
  const target = [...(items[to] ?? [])];
  const overIndex = target.indexOf(overId);
  target.splice(overIndex >= 0 ? overIndex : target.length, 0, activeId);
  return { ...items, [from]: source, [to]: target };
}

/** Where the card would land if dropped now, for the announcements (1-based position). */
export function dropPosition(items: Items, activeId: string, overId: string): { column: string; position: number; count: number } | null {
  const column = containerOf(items, overId);
  if (!column) return null;
  const list = items[column] ?? [];
  const inList = list.includes(activeId);
  const count = list.length + (inList ? 0 : 1);
  const overIndex = list.indexOf(overId);
  if (overIndex < 0) return { column, position: inList ? list.indexOf(activeId) + 1 : count, count };
  return { column, position: overIndex + 1, count };
}

/** On drop: the column the card ends in and that column's loaded cards in their new order. */
export function dropResult(items: Items, activeId: string, overId: string): { column: string; ids: string[] } | null {
  const column = containerOf(items, overId);
  if (!column) return null;
  let ids = items[column] ?? [];
  const oldIndex = ids.indexOf(activeId);
  const overIndex = ids.indexOf(overId);
  if (oldIndex >= 0 && overIndex >= 0 && oldIndex !== overIndex) ids = arrayMove(ids, oldIndex, overIndex);
  return { column, ids };
}

/**
 * The `teacherIds` of the reorder call. The API puts the listed teachers at positions 0..k-1 in
 * that order and shifts the rest of the column after them (keeping their order). The loaded
 * cards are the top of the column, so sending all of them in their new order is exact; above
 * the API's limit, the top of the column down to the moved card is enough (everything below it
 * keeps its order); null when even that is over the limit (the card was dropped that deep).
 */
export function reorderIds(ids: string[], movedId: string, max = MAX_REORDER): string[] | null {
  if (ids.length <= max) return ids;
  const index = ids.indexOf(movedId);
  return index >= 0 && index < max ? ids.slice(0, index + 1) : null;
}

export type Direction = "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight";

/**
 * Where a keyboard move goes, as a droppable id: Up/Down to the neighbouring card in the same
 * column, Left/Right to the neighbouring column — onto its card nearest in height (`topOf`), or
 * onto the column itself when it has no other card. Null at the board's edges.
 */
export function keyboardTarget(
  order: string[],
  items: Items,
  activeId: string,
  overId: string | null,
  direction: Direction,
  topOf: (id: string) => number | undefined,
  currentTop: number,
): string | null {
  const here = containerOf(items, overId ?? activeId) ?? containerOf(items, activeId);
  if (!here) return null;
  const column = items[here] ?? [];
  if (direction === "ArrowUp" || direction === "ArrowDown") {
    const at = overId && column.includes(overId) ? column.indexOf(overId) : column.indexOf(activeId);
    const next = column[at + (direction === "ArrowDown" ? 1 : -1)];
    return at >= 0 && next !== undefined ? next : null;
  }
  const neighbour = order[order.indexOf(here) + (direction === "ArrowRight" ? 1 : -1)];
  if (order.indexOf(here) < 0 || neighbour === undefined) return null;
  let best: string | null = null;
  let distance = Number.POSITIVE_INFINITY;
  for (const id of items[neighbour] ?? []) {
    const top = id === activeId ? undefined : topOf(id);
    if (top === undefined) continue;
    if (Math.abs(top - currentTop) < distance) {
      distance = Math.abs(top - currentTop);
      best = id;
    }
  }
  return best ?? columnDroppable(neighbour);
}

const DIRECTIONS: readonly string[] = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"];

/**
 * dnd-kit's keyboard coordinate getter for a multi-column board: arrows move between the
 * board's columns and cards by their order (not by geometry across every droppable, which can
 * land in the wrong column or stay in place when columns are side by side and scrolled).
 */
export function boardKeyboardCoordinates(board: () => { order: string[]; items: Items }): KeyboardCoordinateGetter {
  return (event, { context: { active, collisionRect, droppableRects, over } }) => {
    if (!DIRECTIONS.includes(event.code)) return undefined;
    event.preventDefault();
    if (!active || !collisionRect) return undefined;
    const { order, items } = board();
    const activeId = String(active.id);
    const target = keyboardTarget(
      order,
      items,
      activeId,
      over ? String(over.id) : null,
      event.code as Direction,
      (id) => droppableRects.get(id)?.top,
      collisionRect.top,
    );
    const rect = target ? droppableRects.get(target) : undefined;
    if (!target || !rect) return undefined;
    // Below the active card in its own column: align bottoms, so the card is over the target.
    const column = containerOf(items, target);
    const sameColumn = column !== undefined && column === containerOf(items, activeId);
    const list = column ? (items[column] ?? []) : [];
    const below = sameColumn && list.indexOf(target) > list.indexOf(activeId);
    return { x: rect.left, y: below ? rect.top + rect.height - collisionRect.height : rect.top };
  };
}
