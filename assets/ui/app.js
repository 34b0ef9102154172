(() => {
  const tip = document.createElement("div");
  tip.className = "tip";
  tip.setAttribute("aria-hidden", "true");
  function show(e) {
    const t = e.target.closest && e.target.closest("[data-tip]");
    const box = t && t.closest(".chart");
    if (!box) {
      tip.remove();
      return;
    }
    const r = box.getBoundingClientRect(),
      b = t.getBoundingClientRect();
    tip.textContent = t.getAttribute("data-tip");
    tip.style.left = b.left + b.width / 2 - r.left + "px";
    tip.style.top = b.top - r.top + "px";
    box.appendChild(tip);
  }
  document.addEventListener("pointerover", show);
  for (const f of document.querySelectorAll("form[data-clean]"))
    f.addEventListener("submit", () => {
      for (const el of f.elements) if (el.name && !el.value) el.disabled = true;
    });
  const closeGroups = (keep) => {
    for (const d of document.querySelectorAll(".top nav details[open]")) if (d !== keep) d.open = false;
  };
  document.addEventListener("click", (e) => closeGroups(e.target.closest && e.target.closest(".top nav details")));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeGroups(null);
  });
  addEventListener("pageshow", () => {
    for (const el of document.querySelectorAll("form[data-clean] [disabled]")) el.disabled = false;
  });
})();
