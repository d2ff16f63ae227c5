// Small helpers for the console: the staff member's local time beside the schedules' time zone
// (Beijing time by default), and a push's live status.
(function () {
  "use strict";
  // The zone's offset from UTC in minutes, given by the page (Beijing time: +480, no DST).
  function zoneOffset() {
    var value = parseInt(document.body.getAttribute("data-tz-offset"), 10);
    return isNaN(value) ? 480 : value;
  }

  function localFromZone(value) {
    // value is "YYYY-MM-DDTHH:MM" (datetime-local) or "YYYY-MM-DD HH:MM[:SS]" in the zone.
    var m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || "");
    if (!m) return null;
    var utcMs = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) -
      zoneOffset() * 60000;
    return new Date(utcMs);
  }

  function describe(date) {
    return date.toLocaleString(undefined, {
      weekday: "short", year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  }

  function sameAsZone() {
    return new Date().getTimezoneOffset() === -zoneOffset();
  }

  function showLocal(el, value) {
    var target = el.nextElementSibling;
    if (!target || !target.classList.contains("local-time")) {
      target = document.createElement("span");
      target.className = "local-time";
      el.insertAdjacentElement("afterend", target);
    }
    var date = localFromZone(value);
    if (!date) { target.textContent = ""; return; }
    target.textContent = sameAsZone() ? "(the same as your local time)"
                                         : "(your local time: " + describe(date) + ")";
  }

  function wireTimes(root) {
    root.querySelectorAll("[data-zone-time]").forEach(function (el) {
      if (el.tagName === "INPUT") {
        showLocal(el, el.value);
        el.addEventListener("input", function () { showLocal(el, el.value); });
      } else {
        showLocal(el, el.getAttribute("data-zone-time"));
      }
    });
  }

  function pollStatus(box) {
    // While a push runs, fetch its status fragment and swap it in, until it stops running.
    var url = box.getAttribute("data-refresh-url");
    var timer = setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (resp) { return resp.ok ? resp.text() : Promise.reject(resp.status); })
        .then(function (html) {
          // Never swap the box under someone typing a new time into it.
          var active = document.activeElement;
          if (active && active.tagName === "INPUT" && box.contains(active)) return;
          box.innerHTML = html;
          wireTimes(box);
          var inner = box.querySelector("[data-running]");
          if (!inner || inner.getAttribute("data-running") !== "true") clearInterval(timer);
        })
        .catch(function () { /* keep trying: the next tick may succeed */ });
    }, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireTimes(document);
    document.querySelectorAll("[data-refresh-url]").forEach(function (box) {
      var inner = box.querySelector("[data-running]");
      if (inner && inner.getAttribute("data-running") === "true") pollStatus(box);
    });
  });
  // Delegated, so that forms swapped in by the status refresh ask too.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) ev.preventDefault();
  });
})();
