// Rating buttons without a page reload: post the form, then show the paper's new explain view.
// Without JavaScript the same forms post and the page reloads; nothing else needs a script.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.classList.contains("rate")) return;
  event.preventDefault();
  const data = new FormData(form);
  data.set("verdict", event.submitter ? event.submitter.value : "good");
  const reply = await fetch(form.action, {method: "POST", body: data, headers: {"X-Requested-With": "fetch"}});
  if (!reply.ok) { form.insertAdjacentText("beforeend", " ✗ " + reply.status); return; }
  const page = new DOMParser().parseFromString(await reply.text(), "text/html");
  const fresh = page.getElementById("explain");
  const here = document.getElementById("explain");
  if (fresh && here) { here.replaceWith(fresh); return; }
  const questions = page.querySelector("main.tune");  // "help me tune": the next questions, the new effect
  const asked = document.querySelector("main.tune");
  if (questions && asked) { asked.replaceWith(questions); return; }
  for (const button of form.querySelectorAll("button")) {  // a day page: say which rating is stored
    button.setAttribute("aria-pressed", String(button === event.submitter));
  }
});
