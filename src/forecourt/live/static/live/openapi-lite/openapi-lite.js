/* Forecourt's light OpenAPI renderer, for documents too large for the vendored renderers.
 *
 * It fetches the document the page names, lists every operation (grouped by tag, searchable) and
 * shows one operation at a time, made when it is chosen: the work done at load grows with the
 * number of operations only as far as one list item each. Everything from the document is set as
 * text (never as HTML), so a document cannot put markup or scripts on the page.
 *
 * Mount point: <div data-openapi-lite data-document-url="...">; an <elements-api apiDescriptionUrl>
 * or <redoc spec-url> element is taken over the same way, so themes written for those work too.
 *
 * Its own words come from the theme, in the page's language: <script type="application/json"
 * id="openapi-lite-words"> (views/api_docs.html), English where a theme gives none. %(name)s placeholders
 * are filled here, numbers written for <html lang> (Intl.NumberFormat), a counted text's form chosen by
 * Intl.PluralRules from its "one" and "other" forms.
 */
(function () {
  "use strict";
  var METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  var MAX_DEPTH = 4;
  var WORDS = {
    operations: "Operations", circular: "(circular)", array_of: "array of %(type)s", items: "items",
    required: "required", parameters: "Parameters", name: "Name", place: "In", type: "Type",
    required_column: "Required", description: "Description", yes: "yes", no: "no",
    body: "Request body", required_body: "Request body (required)", responses: "Responses",
    loading: "Loading the API reference…", answered: "the document answered %(status)s",
    failed: "The API reference could not be shown: %(reason)s", search: "Search operations",
    search_count: { one: "Search %(count)s operation", other: "Search %(count)s operations" },
    count: { one: "%(count)s operation", other: "%(count)s operations" },
    shown: { one: "%(shown)s of %(count)s operation", other: "%(shown)s of %(count)s operations" },
    none: "This document has no operations."
  };
  var lang = document.documentElement.lang || "en";
  var numbers = new Intl.NumberFormat(lang);
  var plurals = new Intl.PluralRules(lang);
  var given = (function () {
    var source = document.getElementById("openapi-lite-words");
    try { return source ? JSON.parse(source.textContent) : {}; } catch (e) { return {}; }
  })();

  // The text `key` in the page's language (a counted one in the form for values.count), filled.
  function say(key, values) {
    values = values || {};
    var text = given[key] || WORDS[key];
    if (typeof text === "object") { text = text[plurals.select(values.count)] || text.other; }
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      if (!(name in values)) return whole;
      return typeof values[name] === "number" ? numbers.format(values[name]) : String(values[name]);
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function resolve(doc, value, seen) {
    var guard = 0;
    while (value && typeof value === "object" && typeof value.$ref === "string" && guard < 20) {
      var ref = value.$ref;
      if (ref.indexOf("#/") !== 0) return value;
      if (seen) { if (seen.indexOf(ref) >= 0) return { circular: ref }; seen = seen.concat([ref]); }
      var target = doc;
      var parts = ref.slice(2).split("/");
      for (var i = 0; i < parts.length && target; i++) {
        target = target[parts[i].replace(/~1/g, "/").replace(/~0/g, "~")];
      }
      value = target;
      guard++;
    }
    return value;
  }

  function operations(doc) {
    var found = [];
    var paths = doc && typeof doc.paths === "object" && doc.paths ? doc.paths : {};
    Object.keys(paths).forEach(function (path) {
      var item = resolve(doc, paths[path]);
      if (!item || typeof item !== "object") return;
      METHODS.forEach(function (method) {
        var op = item[method];
        if (!op || typeof op !== "object") return;
        var tag = Array.isArray(op.tags) && op.tags.length ? String(op.tags[0]) : say("operations");
        var summary = op.summary ? String(op.summary) : method.toUpperCase() + " " + path;
        found.push({ index: found.length, method: method, path: path, op: op, item: item, tag: tag,
                     summary: summary,
                     text: (summary + " " + method + " " + path + " " + (op.operationId || "")).toLowerCase() });
      });
    });
    return found;
  }

  function typeOf(doc, schema) {
    schema = resolve(doc, schema);
    if (!schema || typeof schema !== "object") return "";
    if (schema.circular) return say("circular");
    if (schema.type === "array") return say("array_of", { type: typeOf(doc, schema.items) || say("items") });
    var type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || (schema.properties ? "object" : ""));
    if (schema.format) type += " (" + schema.format + ")";
    if (Array.isArray(schema.enum)) type += ": " + schema.enum.map(String).join(", ");
    return type;
  }

  function schemaTree(doc, schema, depth, seen) {
    var list = el("ul", "ol-schema");
    schema = resolve(doc, schema, seen);
    if (!schema || typeof schema !== "object" || depth > MAX_DEPTH || schema.circular) return list;
    if (schema.type === "array" && schema.items) return schemaTree(doc, schema.items, depth, seen);
    var props = schema.properties && typeof schema.properties === "object" ? schema.properties : {};
    var required = Array.isArray(schema.required) ? schema.required : [];
    Object.keys(props).forEach(function (name) {
      var prop = resolve(doc, props[name], seen);
      var li = el("li");
      li.appendChild(el("code", "ol-name", name));
      li.appendChild(el("span", "ol-type", " " + typeOf(doc, props[name])));
      if (required.indexOf(name) >= 0) li.appendChild(el("span", "ol-required", " " + say("required")));
      if (prop && prop.description) li.appendChild(el("div", "ol-description", prop.description));
      var child = prop && (prop.properties || (prop.items && resolve(doc, prop.items, seen))) ? schemaTree(doc, prop, depth + 1, seen) : null;
      if (child && child.childNodes.length) li.appendChild(child);
      list.appendChild(li);
    });
    return list;
  }

  function content(doc, parent, body) {
    var media = body && body.content && typeof body.content === "object" ? body.content : {};
    Object.keys(media).forEach(function (type) {
      var schema = media[type] && media[type].schema;
      parent.appendChild(el("p", "ol-media", type + (schema ? ": " + typeOf(doc, schema) : "")));
      if (schema) parent.appendChild(schemaTree(doc, schema, 0, []));
    });
  }

  function showOperation(doc, entry, panel, server) {
    var op = entry.op;
    panel.textContent = "";
    var head = el("div", "ol-head");
    head.appendChild(el("span", "ol-method ol-" + entry.method, entry.method.toUpperCase()));
    head.appendChild(el("code", "ol-path", entry.path));
    panel.appendChild(el("h2", "ol-summary", entry.summary));
    panel.appendChild(head);
    if (server) panel.appendChild(el("p", "ol-server", server.replace(/\/$/, "") + entry.path));
    if (op.description) panel.appendChild(el("p", "ol-description", op.description));
    var params = [].concat(entry.item.parameters || [], op.parameters || []).map(function (p) { return resolve(doc, p); })
      .filter(function (p) { return p && typeof p === "object" && p.name; });
    if (params.length) {
      panel.appendChild(el("h3", null, say("parameters")));
      var table = el("table", "ol-params");
      var header = el("tr");
      [say("name"), say("place"), say("type"), say("required_column"), say("description")].forEach(function (h) { header.appendChild(el("th", null, h)); });
      table.appendChild(header);
      params.forEach(function (p) {
        var row = el("tr");
        [p.name, p["in"], typeOf(doc, p.schema), p.required ? say("yes") : say("no"), p.description || ""].forEach(function (v, i) {
          row.appendChild(el(i === 0 ? "th" : "td", null, v));
        });
        table.appendChild(row);
      });
      panel.appendChild(table);
    }
    var body = resolve(doc, op.requestBody);
    if (body && typeof body === "object") {
      panel.appendChild(el("h3", null, say(body.required ? "required_body" : "body")));
      content(doc, panel, body);
    }
    var responses = op.responses && typeof op.responses === "object" ? op.responses : {};
    if (Object.keys(responses).length) panel.appendChild(el("h3", null, say("responses")));
    Object.keys(responses).forEach(function (status) {
      var response = resolve(doc, responses[status]) || {};
      var section = el("section", "ol-response");
      section.appendChild(el("h4", null, status + (response.description ? " " + response.description : "")));
      content(doc, section, response);
      panel.appendChild(section);
    });
  }

  function mount(root, url) {
    root.classList.add("openapi-lite");
    root.textContent = say("loading");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(say("answered", { status: String(response.status) }));
        return response.json();
      })
      .then(function (doc) { render(root, doc); })
      .catch(function (error) { root.textContent = say("failed", { reason: error.message }); });
  }

  function render(root, doc) {
    var ops = operations(doc);
    var server = Array.isArray(doc.servers) && doc.servers[0] && doc.servers[0].url ? String(doc.servers[0].url) : "";
    root.textContent = "";
    var nav = el("nav", "ol-nav");
    nav.setAttribute("aria-label", say("operations"));
    var search = el("input", "ol-search");
    search.type = "search";
    search.placeholder = say("search_count", { count: ops.length });
    search.setAttribute("aria-label", say("search"));
    var count = el("p", "ol-count", say("count", { count: ops.length }));
    var list = el("ul", "ol-list");
    var panel = el("article", "ol-panel");
    panel.setAttribute("aria-live", "polite");
    var items = [];
    var groups = {};
    var order = [];
    ops.forEach(function (entry) {
      if (!groups[entry.tag]) { groups[entry.tag] = []; order.push(entry.tag); }
      groups[entry.tag].push(entry);
    });
    var fragment = document.createDocumentFragment();
    order.forEach(function (tag) {
      var group = el("li", "ol-group");
      group.appendChild(el("span", "ol-tag", tag));
      var inner = el("ul");
      groups[tag].forEach(function (entry) {
        var li = el("li", "ol-item");
        var link = el("a", null);
        link.href = "#op-" + entry.index;
        link.dataset.op = String(entry.index);
        link.appendChild(el("span", "ol-method ol-" + entry.method, entry.method.toUpperCase()));
        link.appendChild(document.createTextNode(" " + entry.summary));
        li.appendChild(link);
        inner.appendChild(li);
        items[entry.index] = { li: li, link: link, group: group };
      });
      group.appendChild(inner);
      fragment.appendChild(group);
    });
    list.appendChild(fragment);
    nav.appendChild(search);
    nav.appendChild(count);
    nav.appendChild(list);
    root.appendChild(nav);
    root.appendChild(panel);
    var current = null;

    function choose(index) {
      var entry = ops[index];
      if (!entry) return;
      if (current !== null && items[current]) items[current].link.removeAttribute("aria-current");
      current = index;
      items[index].link.setAttribute("aria-current", "true");
      showOperation(doc, entry, panel, server);
    }

    list.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-op]") : null;
      if (!link) return;
      event.preventDefault();
      history.replaceState(null, "", "#op-" + link.dataset.op);
      choose(Number(link.dataset.op));
    });
    var pending = 0;
    search.addEventListener("input", function () {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(function () {
        var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        var groupsShown = new Map();
        ops.forEach(function (entry) {
          var match = words.every(function (w) { return entry.text.indexOf(w) >= 0; });
          items[entry.index].li.hidden = !match;
          if (match) { shown++; groupsShown.set(items[entry.index].group, true); }
        });
        order.forEach(function () {});
        Array.prototype.forEach.call(list.children, function (group) { group.hidden = !groupsShown.has(group); });
        count.textContent = words.length ? say("shown", { shown: shown, count: ops.length }) : say("count", { count: ops.length });
      });
    });
    var fromHash = /^#op-(\d+)$/.exec(location.hash);
    if (!ops.length) { panel.appendChild(el("p", null, say("none"))); return; }
    choose(fromHash && ops[Number(fromHash[1])] ? Number(fromHash[1]) : 0);
  }

  function start() {
    var roots = document.querySelectorAll("[data-openapi-lite], elements-api[apidescriptionurl], redoc[spec-url]");
    Array.prototype.forEach.call(roots, function (node) {
      var url = node.getAttribute("data-document-url") || node.getAttribute("apidescriptionurl") || node.getAttribute("spec-url");
      var root = node;
      if (node.tagName.toLowerCase() !== "div") {
        root = el("div");
        node.parentNode.replaceChild(root, node);
      }
      if (url) mount(root, url);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
