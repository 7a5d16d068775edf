// The filter form of the map page: its parameters, the address bar, the export links and the
// facet counts. Plain ES module, no build step.

export const FACETS = ["kind", "modality", "step", "expression", "gmp", "region", "departement"];
export const GEO_FACETS = new Set(["region", "departement"]);

/** The filters chosen in the form, with the API's parameter names. */
export function filterParams(form) {
  const params = new URLSearchParams();
  for (const facet of FACETS) {
    for (const box of form.querySelectorAll(`input[type="checkbox"][name="${facet}"]:checked`)) {
      params.append(facet, box.value);
    }
  }
  const q = form.elements.q ? form.elements.q.value.trim() : "";
  if (q) params.append("q", q);
  return params;
}

export function withParams(path, params, extra = {}) {
  const all = new URLSearchParams(params);
  for (const [key, value] of Object.entries(extra)) all.set(key, value);
  const qs = all.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Put the filters in the address bar (other parameters, like lang, stay) so a view can be shared. */
export function updateAddress(params) {
  const next = new URLSearchParams(window.location.search);
  for (const key of [...FACETS, "q"]) next.delete(key);
  for (const [key, value] of params) next.append(key, value);
  const qs = next.toString();
  const url = `${window.location.pathname}${qs ? `?${qs}` : ""}${window.location.hash}`;
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    window.history.replaceState(window.history.state, "", url);
  }
}

export function updateLinks(params) {
  for (const link of document.querySelectorAll("[data-export] a[data-format]")) {
    link.href = withParams("/api/v1/export", params, { format: link.dataset.format });
  }
  for (const link of document.querySelectorAll("[data-directory-link]")) {
    link.href = withParams("/actors", params);
  }
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// a count as the page's reader writes it ("1 234" in French, "1,234" in English), as the server's Babel does
const counted = (n) => Number(n).toLocaleString(document.documentElement.lang || "fr");

export function applyFacets(form, data) {
  for (const el of document.querySelectorAll("[data-total]")) el.textContent = counted(data.total);
  // the word after the count agrees with it (French: 0 and 1 singular)
  const many = document.documentElement.lang === "fr" ? data.total > 1 : data.total !== 1;
  for (const el of document.querySelectorAll("[data-total-word]")) el.textContent = many ? el.dataset.many : el.dataset.one;
  const empty = document.querySelector("[data-empty]");
  if (empty) empty.hidden = data.total !== 0;
  for (const facet of FACETS) {
    const counts = new Map((data.facets[facet] || []).map((item) => [item.code, item.count]));
    const section = form.querySelector(`[data-facet="${facet}"]`);
    if (!section) continue;
    let chosen = 0;
    for (const box of section.querySelectorAll('input[type="checkbox"]')) {
      const count = counts.get(box.value) ?? 0;
      const item = box.closest("li");
      const countEl = item && item.querySelector("[data-count]");
      if (countEl) countEl.textContent = counted(count);
      if (item) item.classList.toggle("zero", count === 0 && !box.checked);
      if (box.checked) chosen += 1;
    }
    const chosenEl = section.querySelector("[data-chosen]");
    if (chosenEl) chosenEl.textContent = chosen ? `(${chosen})` : "";
  }
}
