/**
 * Browser APIs jsdom lacks that the dashboard's libraries call: the router restores scroll positions,
 * Radix positions popups by observing their size and captures the pointer while a list is open. Inert
 * stand-ins, so component tests exercise the real components.
 */
window.scrollTo = () => {};

globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

Element.prototype.scrollIntoView ??= () => {};
Element.prototype.hasPointerCapture ??= () => false;
Element.prototype.setPointerCapture ??= () => {};
Element.prototype.releasePointerCapture ??= () => {};

// uPlot watches the device pixel ratio through matchMedia when it loads.
window.matchMedia ??= (query: string) =>
  ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }) as MediaQueryList;
