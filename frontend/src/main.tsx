import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./index.css";
import "./i18n";
import { applyTheme, storedTheme, watchSystemTheme } from "./app/theme";
import { App } from "./app/App";

applyTheme(storedTheme(), false);
watchSystemTheme();

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
