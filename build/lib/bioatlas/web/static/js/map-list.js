// The list of the actors in view beside the map (from the points of the view; in clusters mode
// the view holds too many sites to list: the list says so and asks to zoom in).

const LIST_LIMIT = 200;

/** The actors with at least one site inside the bounds (all of them without bounds). */
export function actorsInView(features, bounds, collator) {
  const byActor = new Map();
  for (const feature of features) {
    const [lon, lat] = feature.geometry.coordinates;
    if (bounds && !bounds.contains([lon, lat])) continue;
    const p = feature.properties;
    let entry = byActor.get(p.actor);
    if (!entry) {
      entry = {
        id: p.actor, name: p.name, kindLabel: p.kind_label, communes: new Set(), coordinates: [lon, lat], approximate: true,
      };
      byActor.set(p.actor, entry);
    }
    if (p.commune) entry.communes.add(p.commune);
    if (p.approximate !== true) entry.approximate = false; // placed at an address somewhere
  }
  return [...byActor.values()].sort((a, b) => collator.compare(a.name, b.name) || a.id - b.id);
}

/** Fill the list; `onShow(actor)` is called by its "show on map" buttons (null: no buttons). */
export function renderList(list, actors, { showLabel, onShow, approximateLabel = "" }) {
  const fragment = document.createDocumentFragment();
  for (const actor of actors.slice(0, LIST_LIMIT)) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/actors/${encodeURIComponent(actor.id)}`;
    link.className = "name";
    link.textContent = actor.name;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [actor.kindLabel, [...actor.communes].join(", ")].filter(Boolean).join(" · ");
    item.append(link, meta);
    if (actor.approximate && approximateLabel) {
      const note = document.createElement("span");
      note.className = "approximate";
      note.textContent = approximateLabel;
      item.append(note);
    }
    if (onShow) {
      const show = document.createElement("button");
      show.type = "button";
      show.className = "show-on-map";
      show.textContent = showLabel;
      show.setAttribute("aria-label", `${showLabel}: ${actor.name}`);
      show.addEventListener("click", () => onShow(actor));
      item.append(show);
    }
    fragment.append(item);
  }
  if (actors.length > LIST_LIMIT) {
    const more = document.createElement("li");
    more.className = "more";
    more.textContent = `+ ${actors.length - LIST_LIMIT}`;
    fragment.append(more);
  }
  list.replaceChildren(fragment);
}

/** Clusters mode: no list, a line asking to zoom in, with the number of sites in view. */
export function renderZoomHint(list, total, text) {
  const item = document.createElement("li");
  item.className = "more";
  item.textContent = `${text} (${total})`;
  list.replaceChildren(item);
}
