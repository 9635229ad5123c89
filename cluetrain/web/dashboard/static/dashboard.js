// cluetrain dashboard: local times, the custom range, and live updates (poll every second).
"use strict";
(function () {
  const POLL_MS = 1000;
  const pad = (n) => String(n).padStart(2, "0");
  const localInput = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

  // Instants arrive in UTC; show them in the viewer's zone, keep UTC as the hover title.
  function localize(root) {
    root.querySelectorAll("time[datetime]").forEach((el) => {
      el.textContent = new Date(el.getAttribute("datetime")).toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    });
    root.querySelectorAll("[data-epoch]").forEach((el) => {
      const d = new Date(Number(el.dataset.epoch) * 1000);
      const label = d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
      el.textContent = el.tagName.toLowerCase() === "title" ? el.textContent.replace(/at .*$/, `at ${label} (${d.toISOString().slice(0, 16)}Z UTC)`) : label;
    });
  }

  function customRange() {
    const form = document.querySelector("form.filters");
    if (!form) return;
    const range = form.elements.range, custom = form.querySelector(".custom");
    const show = () => { custom.hidden = range.value !== "custom"; };
    form.querySelectorAll("input[data-utc]").forEach((input) => {
      if (input.dataset.utc) input.value = localInput(new Date(input.dataset.utc + "Z"));
    });
    range.addEventListener("change", show);
    show();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const params = new URLSearchParams();
      if (form.elements.brand.value) params.set("brand", form.elements.brand.value);
      params.set("range", range.value);
      if (range.value === "custom") {
        for (const name of ["from", "to"]) {
          const value = form.elements[name].value;
          if (value) params.set(name, new Date(value).toISOString().slice(0, 19) + "Z");
        }
      }
      window.location.search = params.toString();
    });
  }

  function banner(text) {
    const el = document.getElementById("banner");
    el.textContent = text || "";
    el.hidden = !text;
  }

  function status(text) {
    const el = document.getElementById("live");
    if (el) el.textContent = text;
  }

  // Swap a section in place when its HTML changed; keep the keyboard focus on the same link.
  const received = {};
  function replace(name, html) {
    const el = document.querySelector(`[data-section="${name}"]`);
    if (!el || received[name] === html) return;
    received[name] = html;
    const focused = document.activeElement && el.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    el.innerHTML = html;
    localize(el);
    if (focused) {
      const again = Array.from(el.querySelectorAll("a[href]")).find((a) => a.getAttribute("href") === focused);
      if (again) again.focus();
    }
  }

  function poll(api, reloadOnData, fingerprint) {
    const tick = async () => {
      try {
        const response = await fetch(`${api}${api.includes("?") ? "&" : "?"}since=${encodeURIComponent(fingerprint)}`, { cache: "no-store" });
        const body = await response.json();
        if (body.error) {
          if (!reloadOnData) banner(`${body.error.title}: ${body.error.message}`);  // else the page says it
          status("waiting");
        } else {
          if (reloadOnData) { window.location.reload(); return; }
          banner("");
          if (!body.unchanged) {
            fingerprint = body.fingerprint;
            for (const [name, html] of Object.entries(body.sections)) replace(name, html);
            document.body.dataset.fingerprint = fingerprint;
          }
          status(`live · ${new Date().toLocaleTimeString()}`);
        }
      } catch (error) {
        banner("The dashboard server is not answering; retrying every second.");
        status("offline");
      }
      window.setTimeout(tick, POLL_MS);
    };
    tick();
  }

  document.addEventListener("DOMContentLoaded", () => {
    localize(document);
    customRange();
    const main = document.getElementById("main");
    if (main && main.dataset.api) poll(main.dataset.api, main.dataset.reload === "1", main.dataset.fingerprint || "");
  });
})();
