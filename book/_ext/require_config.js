// Map the AMD modules that widget views need to the copies this site serves itself
// (see book/_ext/seqlab_book.py). A module with no mapping would be fetched from a CDN,
// which the browser test forbids.
(function () {
  var base = document.currentScript.src.replace(/[^/]*$/, "");
  window.require.config({
    paths: {
      anywidget: base + "anywidget/index",
      "@jupyter-widgets/html-manager/dist": base + "html-manager",
    },
  });
})();
