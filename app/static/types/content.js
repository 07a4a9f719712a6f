/* Content slides: headings, Markdown (rendered and escaped by the server) and links. */
(function (global) {
  "use strict";

  var L = global.RondvraagLive;
  var el = L.el;

  function body(slide, box, linkClass, withUrl) {
    if (slide.body_html) {
      var div = el("div", "content-body");
      div.innerHTML = slide.body_html; // server-rendered Markdown, raw HTML escaped there
      box.appendChild(div);
    }
    if (slide.links && slide.links.length) {
      var ul = el("ul", "content-links");
      slide.links.forEach(function (link) {
        var li = el("li", "content-link");
        li.appendChild(L.safeLink(link, linkClass));
        if (withUrl) li.appendChild(el("span", "content-link-url", link.url));
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
  }

  global.RondvraagTypes.register("content", {
    phoneSlide: function (slide, box, ctx) {
      if (slide.title) box.appendChild(el("h1", "slide-prompt", slide.title));
      body(slide, box, "btn btn-link", false);
      box.appendChild(el("p", "wait wait-footer", ctx.t("wait.next")));
    },
    projectorSlide: function (slide, box) {
      var wrap = el("div", "content");
      if (slide.title) wrap.appendChild(el("h1", "content-title", slide.title));
      body(slide, wrap, "content-link-label", true);
      if (!wrap.firstChild) wrap.appendChild(el("h1", "content-title", ""));
      box.appendChild(wrap);
    }
  });
})(window);
