"""Sphinx tweaks for the bpcourse book (loaded from _config.yml: sphinx.local_extensions).

- Drop duplicate <script> entries: sphinx-thebe registers its inline config both
  through the registry (filename "") and the builder (filename None), so every
  page declared `const THEBE_JS_URL` twice and the browser logged a SyntaxError.
- MathJax 2 shim for the widget manager: @jupyter-widgets/base typesets widget
  labels with `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`, the
  MathJax 2 API; with MathJax 3 that threw "Cannot read properties of undefined
  (reading 'Queue')" for every widget.  The shim maps it to MathJax 3's
  typesetPromise once MathJax has started.
- Bibliography labels in author-year form ("Rumelhart et al., 1986"), the same
  text as the citations in the chapters (bibtex_reference_style: author_year);
  pybtex's plain style would label the list [1], [2], ...
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


def _register_bibliography_style() -> None:
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.labels import BaseLabelStyle

    class AuthorYearLabelStyle(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            for entry in sorted_entries:
                persons = entry.persons.get("author") or entry.persons.get("editor") or []
                last = [" ".join(person.last_names) for person in persons]
                if len(last) > 2:
                    names = f"{last[0]} et al."
                else:
                    names = " and ".join(last)
                yield f"{names}, {entry.fields.get('year', '')}"

    class AuthorYearStyle(PlainStyle):
        default_label_style = "bpcourse_author_year"

    register_plugin("pybtex.style.labels", "bpcourse_author_year", AuthorYearLabelStyle, force=True)
    register_plugin("pybtex.style.formatting", "bpcourse", AuthorYearStyle, force=True)


def setup(app):
    _register_bibliography_style()
    app.connect("html-page-context", _add_shim, priority=800)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
