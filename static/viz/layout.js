// The page's layout on a laptop or a projector (1280×720 up, large text or not): the diagram
// scaled to the space its box leaves, so the worker nodes stay in view without scrolling the
// page, and the splitter that shares the width between the diagram and the side panel.

/** How far a tall diagram (dozens of nodes) may shrink below its box's width before its box
 * scrolls instead: past this, cards and labels get too small to read from the back row. */
const MIN_WIDTH_FRACTION = 0.55;
const SIDE_KEY = "clusterviz.sideWidth";

/** Size the diagram's wrap to its viewBox scaled to fit ``stage`` (both SVGs fill the wrap).
 * The viewBox is the diagram's own business (it grows with nodes and objects): read, never assumed. */
export function fitDiagram(stage, svg) {
  const box = svg.viewBox && svg.viewBox.baseVal;
  if (!box || !box.width || !box.height) return;
  const width = stage.clientWidth - 2, height = stage.clientHeight - 2;
  if (width <= 0 || height <= 0) return;
  const across = width / box.width;
  const scale = Math.max(Math.min(across, height / box.height), across * MIN_WIDTH_FRACTION);
  const wrap = svg.parentElement;
  wrap.style.width = `${Math.floor(box.width * scale)}px`;
  wrap.style.height = `${Math.floor(box.height * scale)}px`;
}

/** Keep the diagram fitted: when its box resizes (window, large text, splitter) and when the
 * diagram changes its viewBox (nodes registered, zones unfolded). */
export function keepDiagramFitted(stage, svg) {
  const fit = () => fitDiagram(stage, svg);
  new ResizeObserver(fit).observe(stage);
  new MutationObserver(fit).observe(svg, {attributes: true, attributeFilter: ["viewBox"]});
  fit();
}

/** The splitter between the diagram and the side panel: drag to resize the panel (its width is
 * remembered per browser), double-click for the default width. */
export function setupSplitter(layout, splitter) {
  const saved = Number(localStorage.getItem(SIDE_KEY));
  if (saved > 0) layout.style.setProperty("--side", `${saved}px`);
  const widthAt = x => {
    const right = layout.getBoundingClientRect().right - parseFloat(getComputedStyle(layout).paddingRight);
    return Math.round(Math.min(Math.max(right - x, 240), window.innerWidth * 0.7));
  };
  splitter.addEventListener("pointerdown", ev => {
    ev.preventDefault();
    splitter.setPointerCapture(ev.pointerId);
    splitter.classList.add("dragging");
  });
  splitter.addEventListener("pointermove", ev => {
    if (!splitter.hasPointerCapture(ev.pointerId)) return;
    layout.style.setProperty("--side", `${widthAt(ev.clientX)}px`);
  });
  splitter.addEventListener("pointerup", ev => {
    if (!splitter.hasPointerCapture(ev.pointerId)) return;
    splitter.releasePointerCapture(ev.pointerId);
    splitter.classList.remove("dragging");
    localStorage.setItem(SIDE_KEY, String(widthAt(ev.clientX)));
  });
  splitter.addEventListener("dblclick", () => {
    layout.style.removeProperty("--side");
    localStorage.removeItem(SIDE_KEY);
  });
}
