"""The tracking link to keep: its QR code drawn by the server as inline SVG (segno), and the
small script of the page's copy and share buttons (served from /public/share.js, the one
script the residents' pages run)."""

import segno
from markupsafe import Markup


def qr_svg(link: str, title: str) -> Markup:
    """The link as a QR code: black on white with its quiet zone, big enough to screenshot and
    scan from another phone; `title` is what a screen reader says of it."""
    code = segno.make(link, error="m")
    svg = code.svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="qr", lineclass=None, title=title
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


# The buttons start hidden: without the script (or without navigator.share) the link itself
# stays, to be pressed and held. Copying falls back to a selected text field where the
# clipboard API is missing (pages served over plain HTTP).
SHARE_SCRIPT = """(function () {
  "use strict";
  var link = document.getElementById("link");
  if (!link) { return; }
  var url = link.href;
  var copy = document.getElementById("copy");
  var share = document.getElementById("share");
  var said = document.getElementById("copied");
  function done() { said.hidden = false; }
  function fallback() {
    var field = document.createElement("textarea");
    field.value = url;
    field.setAttribute("readonly", "");
    field.style.position = "fixed";
    field.style.opacity = "0";
    document.body.appendChild(field);
    field.select();
    try { if (document.execCommand("copy")) { done(); } } catch (e) { /* the link stays */ }
    document.body.removeChild(field);
  }
  if (copy) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(done, fallback);
      } else {
        fallback();
      }
    });
  }
  if (share && typeof navigator.share === "function") {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ title: document.title, url: url }).catch(function () { return null; });
    });
  }
})();
"""

__all__ = ["SHARE_SCRIPT", "qr_svg"]
