// The static site's ratings: there is no server to post to, so each good/bad button records the
// rating in this browser (localStorage), and "Export ratings" downloads ratings.json, which
// `arxiv-monitor rate --import` (the GitHub Actions workflow, on its next run) applies.
// Clicking the pressed button again takes the rating back ("clear").
(() => {
  const KEY = "arxiv-monitor:ratings";
  const load = () => { try { return JSON.parse(localStorage.getItem(KEY) || "{}"); } catch { return {}; } };
  const save = (all) => localStorage.setItem(KEY, JSON.stringify(all));
  const id = (el) => `${el.dataset.paper}|${el.dataset.topic}`;

  function show() {
    const all = load();
    for (const group of document.querySelectorAll(".rate-local")) {
      const rating = (all[id(group)] || {}).rating;
      for (const button of group.querySelectorAll("button")) {
        button.setAttribute("aria-pressed", String(button.dataset.verdict === rating));
      }
    }
    const exporter = document.getElementById("export-ratings");
    if (exporter) {
      const count = Object.values(all).length;
      exporter.hidden = count === 0;
      exporter.querySelector(".count").textContent = String(count);
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".rate-local button");
    if (button) {
      const group = button.closest(".rate-local");
      const all = load();
      const before = (all[id(group)] || {}).rating;
      all[id(group)] = {paper: group.dataset.paper, topic: group.dataset.topic,
                        rating: before === button.dataset.verdict ? "clear" : button.dataset.verdict,
                        at: new Date().toISOString()};
      save(all);
      show();
      return;
    }
    if (event.target.closest("#export-ratings")) {
      const body = JSON.stringify({version: 1, ratings: Object.values(load())}, null, 1);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([body], {type: "application/json"}));
      link.download = "ratings.json";
      document.body.append(link);
      link.click();
      link.remove();
    }
  });
  show();
})();
