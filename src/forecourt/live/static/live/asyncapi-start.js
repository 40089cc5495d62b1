/*
 * Starts the vendored AsyncAPI component (static/live/vendor/asyncapi: @asyncapi/react-component's standalone
 * bundle, React inside) on each <div data-asyncapi data-document-url="..."> of the page, without inline
 * script (the page's Content-Security-Policy has none).
 *
 * The component fetches the document from data-document-url, the portal's own download address (same
 * origin: the page's connect-src), and parses it in the browser. The document is never written into the
 * page. data-failed is the theme's wording for a document the component cannot show.
 */
(function () {
  "use strict";

  function start(root) {
    var url = root.getAttribute("data-document-url") || "";
    if (!url || !window.AsyncApiStandalone) {
      root.textContent = root.getAttribute("data-failed") || "";
      return;
    }
    window.AsyncApiStandalone.render({
      schema: { url: url, requestOptions: { method: "GET", credentials: "same-origin" } },
      config: { show: { sidebar: true, errors: true }, expand: { messageExamples: false } },
    }, root);
  }

  var roots = document.querySelectorAll("[data-asyncapi]");
  for (var i = 0; i < roots.length; i++) {
    start(roots[i]);
  }
})();
