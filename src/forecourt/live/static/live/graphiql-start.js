/*
 * Starts the vendored GraphiQL (static/live/vendor/graphiql, over the vendored React UMD builds) on each
 * <div data-graphiql> of the page, without inline script (the page's Content-Security-Policy has none).
 *
 * The schema comes with the page: the element's data-introspection names a <script type="application/json">
 * holding the introspection result the portal computed from the stored schema (forecourt.catalog.
 * graphql_schemas), so the docs explorer works without asking the API. Queries go to data-endpoint, the
 * API's address at the gateway, when there is one; otherwise every query is answered with an error saying
 * that there is no endpoint to call (data-no-endpoint, the theme's wording).
 */
(function () {
  "use strict";

  function noEndpoint(message) {
    return function () {
      return Promise.resolve({ errors: [{ message: message }] });
    };
  }

  function start(root) {
    var source = document.getElementById(root.getAttribute("data-introspection") || "");
    if (!source || !window.GraphiQL || !window.React || !window.ReactDOM) {
      return;
    }
    var introspection = JSON.parse(source.textContent);
    var GraphiQL = window.GraphiQL;
    var schema = GraphiQL.GraphQL.buildClientSchema(introspection);
    var endpoint = root.getAttribute("data-endpoint") || "";
    var fetcher = endpoint
      ? GraphiQL.createFetcher({ url: endpoint })
      : noEndpoint(root.getAttribute("data-no-endpoint") || "This API has no endpoint to call.");
    var element = window.React.createElement(GraphiQL, {
      fetcher: fetcher,
      schema: schema,
      visiblePlugin: GraphiQL.React.DOC_EXPLORER_PLUGIN,
      defaultQuery: root.getAttribute("data-default-query") || "",
      shouldPersistHeaders: false
    });
    window.ReactDOM.createRoot(root).render(element);
    root.setAttribute("data-graphiql-started", "");
  }

  function startAll() {
    var roots = document.querySelectorAll("[data-graphiql]");
    for (var i = 0; i < roots.length; i++) {
      start(roots[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
