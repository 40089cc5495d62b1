// The API docs page's "Try it" panel (issue 19): calls an API with one of the developer's own
// credentials, whatever renders the reference. The page carries the panel's data as JSON (no secret
// in it: live/catalogue/try_it.py); the developer pastes the secret, which this module keeps in its
// own memory, or in sessionStorage (this tab, until it closes) if they tick "remember". Requests go
// from the page straight to the gateway (the gateway must answer CORS: docs/try-it.md), or, when the
// operator turned the portal's proxy on, through it (POST, CSRF token). Everything the gateway
// answers is shown as text (textContent), never as HTML.
// The words it shows come from the theme, in the page's language: <script type="application/json"
// id="try-it-words"> (views/api_docs.html), %(name)s placeholders filled here; English where a theme
// gives none.
"use strict";

const STORE = "forecourt.try-it.";
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"];

const WORDS = {
  token_ready: "A token is ready.",
  unknown_provider: "This client's identity provider is not known to the portal.",
  refused: "The identity provider refused: %(reason)s",
  popup_blocked: "The sign-in window was blocked: allow pop-ups for this page.",
  no_sign_in: "No sign-in came back.",
  signing_in: "Signing in…",
  asking: "Asking…",
  sending: "Sending…",
  parameter: "%(name)s (%(place)s)",
  required_parameter: "%(name)s (%(place)s, required)",
  portal_answered: "The portal answered %(status)s.",
  not_received: "not received",
  no_cors: "(A gateway that answers no CORS request cannot be called from the page.)",
  truncated: "[The portal's proxy shows the first megabyte of the answer only.]",
};
const wordsSource = document.getElementById("try-it-words");
const words = { ...WORDS, ...(wordsSource ? JSON.parse(wordsSource.textContent) : {}) };

// The text `key` in the page's language, its %(name)s placeholders filled with `values`.
function say(key, values = {}) {
  return words[key].replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

const root = document.querySelector("[data-try-it]");
if (root) { start(root); }

function start(root) {
  const config = JSON.parse(document.getElementById(root.dataset.config).textContent);
  const form = root.querySelector("[data-try-it-form]");
  const field = (name) => form.elements.namedItem(name);
  const secrets = new Map(); // credential ID -> secret, in this page's memory only
  let operations = [];

  const credential = () => config.credentials.find((c) => String(c.id) === field("credential").value);

  function showSecret() {
    const id = field("credential").value;
    const kept = sessionStorage.getItem(STORE + id);
    field("secret").value = secrets.get(id) || kept || "";
    field("remember").checked = kept !== null;
  }

  function keepSecret() {
    const id = field("credential").value;
    const value = field("secret").value;
    secrets.set(id, value);
    if (field("remember").checked && value) { sessionStorage.setItem(STORE + id, value); }
    else { sessionStorage.removeItem(STORE + id); }
  }

  const tokens = new Map(); // credential ID -> access token, in this page's memory only
  const oauthRow = root.querySelector("[data-try-it-oauth]");
  const tokenState = root.querySelector("[data-try-it-token-state]");

  function showKind() {
    const c = credential();
    oauthRow.hidden = !c.client_id;
    // The authorization code flow needs the identity provider's authorization endpoint: a client the
    // gateway issues tokens to itself (Tyk's) has the client credentials grant only.
    root.querySelector("[data-try-it-sign-in]").hidden = !c.discovery_url;
    tokenState.textContent = tokens.has(String(c.id)) ? say("token_ready") : "";
  }

  // OAuth 2.0 client credentials, from the page: the token endpoint is the gateway's for the
  // provider's own clients (token_url), else the one in the identity provider's discovery document
  // (either must answer CORS: docs/try-it.md); the client authenticated by HTTP Basic with the
  // pasted secret.
  async function clientCredentials() {
    const c = credential();
    let tokenEndpoint = c.token_url;
    if (!tokenEndpoint) {
      if (!c.discovery_url) { throw new Error(say("unknown_provider")); }
      tokenEndpoint = (await (await fetch(c.discovery_url, { credentials: "omit" })).json()).token_endpoint;
    }
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (c.scope) { form.set("scope", c.scope); }
    const answer = await fetch(tokenEndpoint, {
      method: "POST", credentials: "omit", body: form,
      headers: { Authorization: "Basic " + btoa(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(field("secret").value)}`) },
    });
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok || !data.access_token) {
      throw new Error(say("refused", { reason: data.error_description || data.error || answer.status }));
    }
    tokens.set(String(c.id), data.access_token);
  }

  // Authorization code + PKCE (S256) in a popup: the identity provider sends it back to the portal's
  // callback page, which posts the code here (same origin checked, with the state); this page
  // exchanges it with its verifier, which never leaves it until then.
  async function authorizationCode() {
    const c = credential();
    if (!c.discovery_url) { throw new Error(say("unknown_provider")); }
    const discovery = await (await fetch(c.discovery_url, { credentials: "omit" })).json();
    const verifier = randomText(32);
    const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
    const state = randomText(16);
    const redirect = new URL(config.callback_url, window.location.origin).href;
    const authorize = new URL(discovery.authorization_endpoint);
    const scope = c.scope || ((discovery.scopes_supported || []).includes("openid") ? "openid" : "");
    Object.entries({ response_type: "code", client_id: c.client_id, redirect_uri: redirect, state,
                     code_challenge: challenge, code_challenge_method: "S256", nonce: randomText(16),
                     ...(scope ? { scope } : {}) }).forEach(([k, v]) => authorize.searchParams.set(k, v));
    const popup = window.open(authorize.href, "forecourt-try-it", "popup,width=520,height=640");
    if (!popup) { throw new Error(say("popup_blocked")); }
    const message = await new Promise((resolve, reject) => {
      function heard(event) {
        if (event.origin !== window.location.origin || event.source !== popup || !event.data ||
            event.data.type !== "forecourt-try-it" || event.data.state !== state) { return; }
        window.removeEventListener("message", heard);
        resolve(event.data);
      }
      window.addEventListener("message", heard);
      setTimeout(() => { window.removeEventListener("message", heard); reject(new Error(say("no_sign_in"))); }, 300000);
    });
    if (message.error || !message.code) { throw new Error(say("refused", { reason: message.error_description || message.error })); }
    const form = new URLSearchParams({ grant_type: "authorization_code", code: message.code, redirect_uri: redirect,
                                       code_verifier: verifier, client_id: c.client_id });
    const secret = field("secret").value;
    const headers = secret ? { Authorization: "Basic " + btoa(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(secret)}`) } : {};
    const answer = await fetch(discovery.token_endpoint, { method: "POST", credentials: "omit", body: form, headers });
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok || !data.access_token) {
      throw new Error(say("refused", { reason: data.error_description || data.error || answer.status }));
    }
    tokens.set(String(c.id), data.access_token);
  }

  root.querySelector("[data-try-it-sign-in]").addEventListener("click", () => {
    tokenState.textContent = say("signing_in");
    authorizationCode().then(showKind).catch((error) => { tokenState.textContent = String(error.message || error); });
  });

  root.querySelector("[data-try-it-token]").addEventListener("click", () => {
    tokenState.textContent = say("asking");
    clientCredentials().then(showKind).catch((error) => { tokenState.textContent = String(error.message || error); });
  });

  field("credential").addEventListener("change", showKind);
  field("credential").addEventListener("change", showSecret);
  field("secret").addEventListener("input", keepSecret);
  field("remember").addEventListener("change", keepSecret);
  showSecret();
  showKind();

  // The operations of the served document (JSON; a YAML one leaves "Another request..." only).
  fetch(root.dataset.documentUrl, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null))
    .then((doc) => {
      operations = readOperations(doc);
      const select = field("operation");
      operations.forEach((op, index) => {
        const option = document.createElement("option");
        option.value = String(index);
        option.textContent = `${op.method} ${op.path}${op.summary ? " · " + op.summary : ""}`;
        select.insertBefore(option, select.lastElementChild);
      });
      if (operations.length) { select.value = "0"; }
      showOperation();
    })
    .catch(() => showOperation());

  field("operation").addEventListener("change", showOperation);
  field("method").addEventListener("change", showOperation);

  function chosen() {
    const value = field("operation").value;
    return value === "custom" ? null : operations[Number(value)];
  }

  function showOperation() {
    const op = chosen();
    root.querySelector("[data-try-it-custom]").hidden = op !== null;
    const box = root.querySelector("[data-try-it-parameters]");
    box.replaceChildren();
    for (const [index, p] of (op ? op.parameters : []).entries()) {
      const row = document.createElement("p");
      row.className = "try-it-row";
      const label = document.createElement("label");
      label.htmlFor = `try-it-param-${index}`;
      label.textContent = say(p.required ? "required_parameter" : "parameter", { name: p.name, place: p.in });
      const input = document.createElement("input");
      input.id = `try-it-param-${index}`;
      input.dataset.in = p.in;
      input.dataset.name = p.name;
      input.required = Boolean(p.required);
      if (p.example !== undefined) { input.value = String(p.example); }
      row.append(label, input);
      box.append(row);
    }
    const method = op ? op.method : field("method").value;
    root.querySelector("[data-try-it-body-row]").hidden = op ? !op.body : !BODY_METHODS.has(method);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send().catch((error) => show({ error: String(error && error.message ? error.message : error) }));
  });

  async function send() {
    const op = chosen();
    const method = op ? op.method : field("method").value;
    let path = op ? op.path : field("path").value || "/";
    const query = new URLSearchParams();
    const headers = {};
    for (const input of root.querySelectorAll("[data-try-it-parameters] input")) {
      const { in: where, name } = input.dataset;
      if (!input.value) { continue; }
      if (where === "path") { path = path.split(`{${name}}`).join(encodeURIComponent(input.value)); }
      else if (where === "query") { query.append(name, input.value); }
      else if (where === "header") { headers[name] = input.value; }
    }
    const secret = field("secret").value;
    const c = credential();
    if (c.client_id) {
      const token = tokens.get(String(c.id));
      if (token) { headers.Authorization = `Bearer ${token}`; }
    } else if (secret) {
      if (config.key.in === "query") { query.set(config.key.name, secret); }
      else { headers[config.key.name] = secret; }
    }
    const bodyRow = root.querySelector("[data-try-it-body-row]");
    const body = !bodyRow.hidden && field("body").value ? field("body").value : null;
    if (body !== null) { headers["Content-Type"] = "application/json"; }
    const target = path.replace(/^\/+/, "") + (query.toString() ? "?" + query.toString() : "");
    state(say("sending"));
    if (config.proxy_url) {
      const answer = await fetch(config.proxy_url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
        body: JSON.stringify({ method, path: target, headers, body }),
      });
      const data = await answer.json();
      show(answer.ok ? data : { error: data.error || say("portal_answered", { status: answer.status }) });
      return;
    }
    const url = config.address.replace(/\/*$/, "/") + target;
    const answer = await fetch(url, { method, headers, body, credentials: "omit", redirect: "manual" });
    const seen = {};
    answer.headers.forEach((value, name) => { seen[name] = value; });
    show({ status: answer.status, headers: seen, body: await answer.text() });
  }

  function state(text) { root.querySelector("[data-try-it-state]").textContent = text; }

  function show(result) {
    const box = root.querySelector("[data-try-it-response]");
    box.hidden = false;
    if (result.error) {
      state("");
      root.querySelector("[data-try-it-status]").textContent = say("not_received");
      root.querySelector("[data-try-it-headers]").textContent = "";
      root.querySelector("[data-try-it-body]").textContent = result.error +
        (config.proxy_url ? "" : " " + say("no_cors"));
      return;
    }
    state("");
    root.querySelector("[data-try-it-status]").textContent = String(result.status);
    root.querySelector("[data-try-it-headers]").textContent =
      Object.entries(result.headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
    root.querySelector("[data-try-it-body]").textContent = (result.body || "") +
      (result.truncated ? "\n" + say("truncated") : "");
  }
}

// OpenAPI 3 and Swagger 2 operations: method, path, path- and operation-level parameters (path,
// query, header; by name and place, the operation's winning) and whether it takes a body.
function readOperations(doc) {
  const found = [];
  if (!doc || typeof doc !== "object" || !doc.paths || typeof doc.paths !== "object") { return found; }
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!item || typeof item !== "object") { continue; }
    for (const method of METHODS) {
      const op = item[method];
      if (!op || typeof op !== "object") { continue; }
      const params = new Map();
      for (const p of [...(item.parameters || []), ...(op.parameters || [])].map((p) => resolve(doc, p))) {
        if (p && typeof p.name === "string" && ["path", "query", "header"].includes(p.in)) {
          params.set(`${p.in}:${p.name}`, { name: p.name, in: p.in, required: p.required === true || p.in === "path",
                                            example: p.example !== undefined ? p.example : (p.schema || {}).default });
        }
      }
      const body = Boolean(op.requestBody) || (op.parameters || []).some((p) => p && (p.in === "body" || p.in === "formData"));
      found.push({ method: method.toUpperCase(), path, summary: op.summary || op.operationId || "",
                   parameters: [...params.values()], body });
    }
  }
  return found;
}

function randomText(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(data) {
  return btoa(String.fromCharCode(...data)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function resolve(doc, value) {
  if (!value || typeof value.$ref !== "string" || !value.$ref.startsWith("#/")) { return value; }
  let node = doc;
  for (const part of value.$ref.slice(2).split("/")) {
    node = node && typeof node === "object" ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return node;
}
