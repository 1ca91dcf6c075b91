import type { ReactNode } from "react";
import { act, renderHook } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { useUrlState } from "./urlState";

const wrapper = ({ children }: { children: ReactNode }) => <MemoryRouter initialEntries={["/list?page=3&search=x"]}>{children}</MemoryRouter>;

describe("useUrlState", () => {
  it("keeps both of two changes made before the page renders again", () => {
    const { result } = renderHook(() => useUrlState(), { wrapper });
    expect(result.current.page).toBe(3);
    act(() => {
      result.current.update({ actor: "a@example.org" });
      result.current.update({ entity: "teachers" });
    });
    const params = result.current.params;
    expect(params.get("actor")).toBe("a@example.org");
    expect(params.get("entity")).toBe("teachers");
    expect(params.get("search")).toBe("x");
    expect(params.get("page")).toBeNull();
    expect(result.current.page).toBe(1);
  });

  it("keeps the page when asked and removes emptied keys", () => {
    const { result } = renderHook(() => useUrlState(), { wrapper });
    act(() => result.current.update({ page: 4, search: "" }, false));
    expect(result.current.page).toBe(4);
    expect(result.current.params.get("search")).toBeNull();
  });
});
