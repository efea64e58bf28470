"""Sphinx tweaks for the bpcourse book (loaded from _config.yml: sphinx.local_extensions).

- Drop duplicate <script> entries: sphinx-thebe registers its inline config both
  through the registry (filename "") and the builder (filename None), so every
  page declared `const THEBE_JS_URL` twice and the browser logged a SyntaxError.
- MathJax 2 shim for the widget manager: @jupyter-widgets/base typesets widget
  labels with `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`, the
  MathJax 2 API; with MathJax 3 that threw "Cannot read properties of undefined
  (reading 'Queue')" for every widget.  The shim maps it to MathJax 3's
  typesetPromise once MathJax has started.
"""

from __future__ import annotations

MATHJAX2_SHIM = """document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (!mj || mj.Hub || !mj.startup) { return; }
  mj.Hub = {Queue: function () {
    Array.prototype.forEach.call(arguments, function (cmd) {
      if (Array.isArray(cmd) && cmd[0] === "Typeset" && cmd[2]) {
        mj.startup.promise.then(function () { return mj.typesetPromise([cmd[2]]); })
          .catch(function (err) { console.warn("MathJax typeset of a widget label failed:", err); });
      }
    });
  }};
});"""


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    files = context.get("script_files")
    if not files:
        return
    seen = set()
    unique = []
    for js in files:
        attributes = getattr(js, "attributes", {})
        key = (getattr(js, "filename", None) or "", tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def _add_shim(app, pagename, templatename, context, doctree) -> None:
    # only pages that load the widget manager (myst-nb adds it to pages with widget state)
    if any("embed-amd" in str(getattr(js, "filename", "") or "") for js in context.get("script_files", [])):
        app.add_js_file(None, body=MATHJAX2_SHIM, priority=510)


def setup(app):
    app.connect("html-page-context", _add_shim, priority=800)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
