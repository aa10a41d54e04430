// Client-side search for the static site: Pagefind, one index per shard of arXiv ids
// (pagefind/<yymm>-<d>/), merged into one search; the indexes and static/shards.json are written by `arxiv-monitor site`.
window.addEventListener("DOMContentLoaded", async () => {
  const element = document.getElementById("search");
  if (!element || !window.PagefindUI) return;
  // Absolute URLs: Pagefind resolves a relative merged bundlePath against the first bundle, not the page.
  const base = new URL(element.dataset.bundle, document.baseURI).href;
  const shards = await (await fetch(base.replace(/pagefind\/$/, "static/shards.json"))).json();
  if (!shards.length) return;
  new window.PagefindUI({
    element: "#search", showSubResults: true, showImages: false, excerptLength: 24,
    bundlePath: base + shards[0] + "/",
    mergeIndex: shards.slice(1).map((shard) => ({bundlePath: base + shard + "/"})),
  });
});
