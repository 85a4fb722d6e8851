// A button marked data-print prints the page (the CSP refuses inline onclick handlers).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
