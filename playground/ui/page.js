// The page's own behaviour on top of Gradio's components (inlined into <head> by shell.py).
// - Ctrl/Cmd+Enter inside a tab presses that tab's Run button.
// - The open tab lives in the URL (?tab=chat): a link or a reload opens that tab; every change
//   of tab, the server's too (History's "Open in its tab"), is written there.
// - Names for controls Gradio leaves unnamed, and ARIA that axe flags in its markup.
// - The before/after sliders: draggable from anywhere on the picture, and by keyboard.
// - What earlier releases kept in localStorage is deleted (below).
// - A file that is not audio on an audio box: said under the box (not a toast of MIME types).
// - Keyboard: a skip link, Enter on an upload box, the focus kept after a file is chosen
//   (a dropdown's list closing when Tab leaves it is page.css's).
(() => {
  "use strict";

  // ---- Earlier releases' saved token and owner id -----------------------------------------
  // They were encrypted with a key that every page was given, so anyone holding this
  // browser's localStorage could read them: gone. The token is pasted again (it is now sealed
  // by the server for this browser); the history starts afresh under the owner cookie.
  try {
    for (const key of ["replicate-playground-token", "replicate-playground-owner"]) {
      window.localStorage.removeItem(key);
    }
  } catch (e) { /* storage disabled: nothing was kept */ }

  // ---- Ctrl/Cmd+Enter --------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const scope = event.target && event.target.closest && event.target.closest(".tab-scope");
    const button = scope && scope.querySelector(".run-btn");
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });

  // ---- The tab in the URL ----------------------------------------------------------------
  const TAB_PARAM = "tab";
  const pageTabs = () => [...document.querySelectorAll("#tabs button[role=tab][data-tab-id]")]
    .filter((b) => b.closest(".tabs") === document.getElementById("tabs"));
  let wantedTab = new URLSearchParams(window.location.search).get(TAB_PARAM);

  function openWantedTab() {
    if (!wantedTab) return;
    const tabs = pageTabs();
    if (!tabs.length) return;
    const button = tabs.find((b) => b.dataset.tabId === wantedTab);
    wantedTab = null;
    if (button && button.getAttribute("aria-selected") !== "true") button.click();
  }

  // The address follows the open tab, however it was opened: a click, the keyboard, or the
  // server (History's "Open in its tab" and "Add to Compare" select a tab by an update), so
  // the selected tab is read (aria-selected, watched below), not the click. The tab the page
  // first shows is only noted: the address it was opened with is left as it is.
  let shownTab = null;
  function keepTabInUrl() {
    if (wantedTab) return;  // the address's own tab is not open yet
    const selected = pageTabs().find((b) => b.getAttribute("aria-selected") === "true");
    if (!selected || selected.dataset.tabId === shownTab) return;
    const first = shownTab === null;
    shownTab = selected.dataset.tabId;
    if (first) return;
    const url = new URL(window.location.href);
    url.searchParams.set(TAB_PARAM, shownTab);
    window.history.replaceState(window.history.state, "", url);
  }

  // ---- Names and ARIA --------------------------------------------------------------------
  // Text a screen reader reads as the name: an icon's <svg><text>CC</text></svg> is not.
  function textOf(el) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let text = "";
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.closest("svg")) text += node.textContent;
    }
    return text.trim();
  }
  const hasName = (el) => (el.getAttribute("aria-label") || "").trim() ||
    el.getAttribute("aria-labelledby") || (el.getAttribute("title") || "").trim() || textOf(el);

  function blockLabel(el) {
    const block = el.closest(".block");
    const label = block && block.querySelector("[data-testid=block-label]");
    return label ? label.textContent.trim() : "";
  }

  // Gradio names these "submit button" and "stop button"; people say "Send" and "Stop".
  const NAMES = { "submit-button": "Send", "stop-button": "Stop" };

  function nameButtons(root) {
    for (const [testid, name] of Object.entries(NAMES)) {
      for (const button of root.querySelectorAll(`button[data-testid=${testid}]`)) {
        if (button.getAttribute("aria-label") !== name) button.setAttribute("aria-label", name);
        if (button.title !== name) button.title = name;
      }
    }
    for (const button of root.querySelectorAll("button")) {
      if (hasName(button)) continue;
      let name = "";
      if (button.querySelector("img")) name = `${blockLabel(button) || "Image"}: the picture`;
      else if (button.matches("[data-testid=subtitles-toggle]")) name = "CC: subtitles";
      else if (button.dataset.testid) name = button.dataset.testid.replace(/[-_]/g, " ");
      if (name) button.setAttribute("aria-label", name);
    }
    // An aria-label on a plain <div> is not allowed: Gradio's "Empty value" boxes become images.
    for (const box of root.querySelectorAll("div[aria-label]:not([role])")) {
      box.setAttribute("role", "img");
    }
    // Upload areas say "Drop Image Here - or - Click to Upload" but are named otherwise: the
    // visible words are the name (speech control users say what they see).
    for (const area of root.querySelectorAll("button.upload-container[aria-label]")) {
      if (textOf(area)) area.removeAttribute("aria-label");
    }
    // The audio player's speed button shows "1x" and is named "Adjust playback speed to 1.5x".
    for (const speed of root.querySelectorAll("button.playback[aria-label]")) {
      const shown = (speed.innerText || "").trim();
      const name = `Playback speed ${shown}`;
      if (shown && speed.getAttribute("aria-label") !== name) speed.setAttribute("aria-label", name);
    }
    for (const handle of root.querySelectorAll("[data-testid=slider]:not([tabindex])")) {
      makeSliderHandle(handle);
    }
    // A code box scrolls sideways: reachable by keyboard, named by what it shows.
    for (const scroller of root.querySelectorAll(".code-panel .cm-scroller[tabindex='-1']")) {
      scroller.setAttribute("tabindex", "0");
      scroller.setAttribute("role", "region");
      scroller.setAttribute("aria-label", "Code");
    }
  }

  // ---- Before/after sliders --------------------------------------------------------------
  // Gradio's ImageSlider drags only by its handle (d3-drag on mousedown there). A press on the
  // picture, or an arrow key on the focused handle, is turned into a press on the handle at the
  // right place; the real mouse moves then keep dragging it.
  function pressHandle(handle, clientX, clientY, release) {
    const init = { bubbles: false, cancelable: true, view: window, button: 0, clientX, clientY };
    handle.dispatchEvent(new MouseEvent("mousedown", init));
    if (release) window.dispatchEvent(new MouseEvent("mouseup", { ...init, bubbles: true }));
  }

  function handleOf(el) {
    const wrap = el.closest(".slider-wrap");
    return wrap && wrap.querySelector("[data-testid=slider]");
  }

  // Where the picture is drawn inside the slider's box (contained, as the slider computes it).
  function pictureRect(handle) {
    const box = handle.parentElement.getBoundingClientRect();
    const img = handle.parentElement.querySelector("img");
    if (!img || !img.naturalWidth || !box.width || !box.height) return box;
    const ratio = img.naturalWidth / img.naturalHeight;
    const width = Math.min(box.width, box.height * ratio);
    const height = width / ratio;
    return { left: box.left + (box.width - width) / 2, top: box.top + (box.height - height) / 2,
             width, height };
  }

  function sliderFraction(handle) {
    const rect = pictureRect(handle);
    const knob = handle.getBoundingClientRect();
    const x = knob.left + knob.width / 2;
    return rect.width ? Math.min(1, Math.max(0, (x - rect.left) / rect.width)) : 0.5;
  }

  function updateSliderValue(handle) {
    const percent = Math.round(sliderFraction(handle) * 100);
    handle.setAttribute("aria-valuenow", String(percent));
    handle.setAttribute("aria-valuetext", `${percent}% of the picture shows Before`);
  }

  function makeSliderHandle(handle) {
    handle.setAttribute("tabindex", "0");
    handle.setAttribute("role", "slider");
    handle.setAttribute("aria-label", "Before/after divider");
    handle.setAttribute("aria-valuemin", "0");
    handle.setAttribute("aria-valuemax", "100");
    handle.setAttribute("aria-orientation", "horizontal");
    updateSliderValue(handle);
    handle.addEventListener("keydown", (event) => {
      const box = pictureRect(handle);
      const now = sliderFraction(handle);
      const step = { ArrowLeft: -0.05, ArrowDown: -0.05, ArrowRight: 0.05, ArrowUp: 0.05,
                     PageDown: -0.25, PageUp: 0.25 }[event.key];
      let target = null;
      if (step !== undefined) target = Math.min(1, Math.max(0, now + step));
      else if (event.key === "Home") target = 0;
      else if (event.key === "End") target = 1;
      if (target === null) return;
      event.preventDefault();
      pressHandle(handle, box.left + target * box.width, box.top + box.height / 2, true);
      requestAnimationFrame(() => updateSliderValue(handle));
    });
  }

  document.addEventListener("mousedown", (event) => {
    if (event.button !== 0 || !event.isTrusted) return;
    const content = event.target && event.target.closest && event.target.closest(".slider-wrap .content");
    const handle = content && handleOf(content);
    if (!handle) return;
    event.preventDefault();
    event.stopPropagation();  // not the zoom-and-pan of the picture: the divider moves
    pressHandle(handle, event.clientX, event.clientY, false);
  }, true);
  document.addEventListener("mouseup", () => {
    for (const handle of document.querySelectorAll("[data-testid=slider][role=slider]")) {
      updateSliderValue(handle);
    }
  });

  // ---- Keyboard (issue 20 item 13) --------------------------------------------------------
  // A skip link, first in the page: past the header, banner and Details to the open tab.
  function addSkipLink() {
    if (document.getElementById("skip-link") || !document.body) return;
    const link = document.createElement("a");
    link.id = "skip-link";
    link.className = "skip-link";
    link.href = "#tabs";
    link.textContent = "Skip to the tabs";
    link.addEventListener("click", (event) => {
      const tab = pageTabs().find((b) => b.getAttribute("aria-selected") === "true") ||
        pageTabs()[0];
      if (!tab) return;
      event.preventDefault();
      tab.focus();
      tab.scrollIntoView({ block: "start" });
    });
    document.body.insertBefore(link, document.body.firstChild);
  }

  // An upload box opens with Enter as with Space (a <button> does; a role=button does not).
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.altKey) return;
    const area = event.target && event.target.closest &&
      event.target.closest(".upload-container[role=button], [aria-dropeffect][role=button]");
    if (!area || event.target !== area) return;
    const input = area.querySelector("input[type=file]");
    if (input) { event.preventDefault(); input.click(); }
  });

  // A file chosen in an upload box: the box is redrawn as the preview and the focus was lost
  // (to the page's start). It goes back into the same box: its first control, or the box.
  let refocus = null;
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    const block = input.closest(".block[id]");
    if (block) refocus = { id: block.id, until: Date.now() + 10000 };
  }, true);

  function restoreFocus() {
    if (!refocus) return;
    const block = document.getElementById(refocus.id);
    if (!block || Date.now() > refocus.until) { refocus = null; return; }
    const active = document.activeElement;
    if (active && active !== document.body) {
      // Still on the box's own upload button: wait for the redraw. Anywhere else: moved on.
      if (!active.matches(".upload-container, input[type=file]") || !block.contains(active)) {
        refocus = null;
      }
      return;
    }
    const target = block.querySelector(
      "button:not([disabled]):not(.upload-container), [tabindex='0'], a[href], audio, video");
    if (!target) return;  // not drawn yet: the next sweep tries again
    target.focus();
    refocus = null;
  }

  // ---- A file that is not audio, dropped or chosen on an audio box (issue 20 item 8) -------
  // Gradio refuses it with a toast listing a dozen MIME types; it is said instead under the
  // box, in the words the image boxes use, and the file never reaches Gradio.
  const AUDIO_EXT = /\.(mp3|wav|wave|m4a|ogg|oga|opus|flac|webm|aac|aif|aiff|amr|wma|mid|midi)$/i;
  function isAudio(file) {
    return (file.type || "").startsWith("audio/") || AUDIO_EXT.test(file.name || "");
  }
  function audioBox(node) {
    const block = node && node.closest && node.closest(".block[id]");
    const input = block && block.querySelector("input[type=file]");
    return input && (input.getAttribute("accept") || "").startsWith("audio") ? block : null;
  }
  function sayRefused(block, file) {
    let note = block.nextElementSibling;
    if (!note || !note.classList.contains("upload-refused")) {
      note = document.createElement("p");
      note.className = "upload-refused";
      note.setAttribute("role", "alert");
      block.after(note);
    }
    note.id = block.id + "-refused";
    note.textContent = "\u201c" + file.name + "\u201d is not audio we can read. " +
      "Use an MP3, WAV, M4A or OGG file.";
  }
  function clearRefused(block) {
    const note = block && block.nextElementSibling;
    if (note && note.classList.contains("upload-refused")) note.remove();
  }
  function refuseNonAudio(event, files) {
    const block = audioBox(event.target);
    if (!block || !files || !files.length) return;
    const wrong = Array.from(files).find((f) => !isAudio(f));
    if (!wrong) { clearRefused(block); return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (event.target instanceof HTMLInputElement) event.target.value = "";
    sayRefused(block, wrong);
  }
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file") {
      refuseNonAudio(event, input.files);
    }
  }, true);
  document.addEventListener("drop", (event) => {
    refuseNonAudio(event, event.dataTransfer && event.dataTransfer.files);
  }, true);

  // ---- Keep it up as Gradio renders -------------------------------------------------------
  let queued = false;
  function sweep() {
    queued = false;
    openWantedTab();
    keepTabInUrl();
    nameButtons(document);
    addSkipLink();
    restoreFocus();
  }
  const observer = new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(sweep); }
  });
  function start() {
    observer.observe(document.body, { childList: true, subtree: true, attributes: true,
                                      attributeFilter: ["aria-label", "aria-selected"] });
    sweep();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
