/*
 * auskunft chat widget: one script tag on the town's page.
 *   <script src="https://auskunft.example/widget/auskunft-widget.js" data-municipality="musterbach" defer></script>
 * Nothing is loaded from anywhere and nothing is stored before the citizen opens the chat.
 * Speaks the socket.io protocol of src/protocol/messages.ts: `ask` out; `answer:token`, `answer:done`, `answer:error` in.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  const origin = new URL(script?.src ?? location.href).origin;
  const municipality = script?.dataset.municipality;

  const TEXT = {
    launcher: "Fragen an die Gemeinde",
    title: "Fragen an die Gemeinde",
    disclosure: "Sie chatten mit einem KI-Assistenten, nicht mit einem Menschen. Die Antworten stammen aus den Seiten und Satzungen der Gemeinde und nennen ihre Quellen.",
    privacy: "Bitte geben Sie keine persönlichen Daten ein (Name, Adresse, Geburtsdatum, Kontonummer).",
    label: "Ihre Frage",
    placeholder: "z. B. Was kostet die Hundesteuer?",
    send: "Senden",
    close: "Chat schließen",
    working: "Antwort wird erstellt …",
    done: "Antwort:",
    sources: "Quellen",
    ai: "KI-generiert",
    quotes: "Auszüge aus den Quellen",
    failed: "Die Antwort konnte nicht geladen werden. Bitte versuchen Sie es noch einmal.",
    you: "Sie",
    assistant: "Assistent",
  };

  const css = `
    :host { all: initial; font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; }
    * { box-sizing: border-box; }
    button, textarea { font: inherit; }
    .launcher { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000; min-height: 44px; padding: .6rem 1rem;
      border: 2px solid #003f7d; border-radius: 2rem; background: #003f7d; color: #fff; cursor: pointer; }
    .launcher:focus-visible, button:focus-visible, textarea:focus-visible, a:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
    .panel { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483001; width: min(26rem, calc(100vw - 2rem));
      height: min(38rem, calc(100vh - 2rem)); display: flex; flex-direction: column; background: #fff;
      border: 1px solid #5a5a5a; border-radius: .5rem; box-shadow: 0 .5rem 2rem rgba(0,0,0,.25); }
    .panel[hidden] { display: none; }
    header { display: flex; align-items: center; justify-content: space-between; padding: .5rem .75rem; background: #003f7d; color: #fff; border-radius: .5rem .5rem 0 0; }
    h2 { margin: 0; font-size: 1.05rem; }
    .close { min-width: 44px; min-height: 44px; border: 0; background: transparent; color: #fff; font-size: 1.4rem; cursor: pointer; }
    .notes { margin: 0; padding: .5rem .75rem; font-size: .875rem; background: #eef3f8; border-bottom: 1px solid #c8d3df; }
    .notes p { margin: 0 0 .25rem; }
    .log { flex: 1; overflow-y: auto; padding: .75rem; }
    .msg { margin: 0 0 .75rem; }
    .msg .who { display: block; font-size: .8rem; font-weight: 600; color: #4a4a4a; }
    .msg .body { white-space: pre-wrap; }
    .msg.user .body { background: #f1f1f1; padding: .4rem .6rem; border-radius: .4rem; }
    .badge { font-size: .75rem; font-weight: 600; color: #4a4a4a; border: 1px solid #4a4a4a; border-radius: .25rem; padding: 0 .25rem; margin-left: .25rem; }
    .sources { margin: .4rem 0 0; padding-left: 1.25rem; font-size: .9rem; }
    a { color: #003f7d; }
    .error { color: #a00000; }
    .notice { margin: .2rem 0; font-size: .85rem; color: #4a4a4a; }
    form { display: flex; gap: .5rem; padding: .75rem; border-top: 1px solid #c8d3df; }
    label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    textarea { flex: 1; min-height: 44px; max-height: 8rem; resize: vertical; padding: .5rem; border: 1px solid #5a5a5a; border-radius: .3rem; }
    .send { min-height: 44px; padding: 0 1rem; border: 0; border-radius: .3rem; background: #003f7d; color: #fff; cursor: pointer; }
    .send[disabled] { background: #5a5a5a; cursor: wait; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;

  /** A citation link only ever leads to http(s): a source cannot smuggle in a javascript: URL. */
  const safeHref = (url) => {
    try {
      const u = new URL(url, origin);
      return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : undefined;
    } catch {
      return undefined;
    }
  };

  class AuskunftChat extends HTMLElement {
    connectedCallback() {
      const root = this.attachShadow({ mode: "open" });
      root.innerHTML = `
        <style>${css}</style>
        <button class="launcher" type="button" aria-expanded="false" aria-controls="ak-panel"></button>
        <section class="panel" id="ak-panel" role="dialog" aria-modal="false" aria-labelledby="ak-title" aria-describedby="ak-disclosure ak-privacy" hidden>
          <header><h2 id="ak-title"></h2><button class="close" type="button">×</button></header>
          <div class="notes"><p id="ak-disclosure"></p><p id="ak-privacy"></p></div>
          <div class="log" role="log" aria-live="off" tabindex="0" aria-label=""></div>
          <div class="sr-only" role="status" aria-live="polite"></div>
          <form><label for="ak-input"></label><textarea id="ak-input" rows="1" maxlength="2000"></textarea><button class="send" type="submit"></button></form>
        </section>`;
      this.$ = (sel) => root.querySelector(sel);
      this.$(".launcher").textContent = TEXT.launcher;
      this.$("#ak-title").textContent = TEXT.title;
      this.$(".close").setAttribute("aria-label", TEXT.close);
      this.$("#ak-disclosure").textContent = TEXT.disclosure;
      this.$("#ak-privacy").textContent = TEXT.privacy;
      this.$(".log").setAttribute("aria-label", TEXT.title);
      this.$("label").textContent = TEXT.label;
      this.$("textarea").placeholder = TEXT.placeholder;
      this.$(".send").textContent = TEXT.send;

      this.$(".launcher").addEventListener("click", () => this.open());
      this.$(".close").addEventListener("click", () => this.close());
      this.$(".panel").addEventListener("keydown", (e) => {
        if (e.key === "Escape") this.close();
      });
      this.$("textarea").addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey) {
          e.preventDefault();
          this.$("form").requestSubmit();
        }
      });
      this.$("form").addEventListener("submit", (e) => {
        e.preventDefault();
        this.ask(this.$("textarea").value.trim());
      });
      this.history = [];
    }

    open() {
      this.$(".panel").hidden = false;
      this.$(".launcher").hidden = true;
      this.$(".launcher").setAttribute("aria-expanded", "true");
      this.$("textarea").focus();
      this.connect();
    }

    close() {
      this.$(".panel").hidden = true;
      this.$(".launcher").hidden = false;
      this.$(".launcher").setAttribute("aria-expanded", "false");
      this.$(".launcher").focus();
    }

    /** socket.io's client is fetched from our own origin only when the chat is first opened. */
    connect() {
      if (this.socket) return Promise.resolve(this.socket);
      this.connecting ??= new Promise((resolve, reject) => {
        const tag = document.createElement("script");
        tag.src = `${origin}/socket.io/socket.io.min.js`;
        tag.onload = () => {
          this.socket = window.io(origin, { transports: ["websocket", "polling"] });
          this.socket.on("answer:token", (t) => this.onToken(t));
          this.socket.on("answer:done", (a) => this.onDone(a));
          this.socket.on("answer:error", (e) => this.onError(e));
          // A lost connection must not leave an answer spinning forever.
          this.socket.on("disconnect", () => this.pending && this.onError({ message: TEXT.failed }));
          this.socket.on("connect_error", () => this.pending && this.onError({ message: TEXT.failed }));
          resolve(this.socket);
        };
        tag.onerror = () => {
          this.connecting = undefined;
          reject(new Error("socket.io client could not be loaded"));
        };
        document.head.append(tag);
      });
      return this.connecting;
    }

    async ask(question) {
      if (!question || this.pending) return;
      this.$("textarea").value = "";
      this.addMessage("user", TEXT.you, question);
      this.pending = this.addMessage("assistant", TEXT.assistant, "");
      this.pending.body.dataset.aiGenerated = "true";
      this.$(".log").setAttribute("aria-busy", "true");
      this.$(".send").disabled = true;
      this.announce(TEXT.working);
      try {
        const socket = await this.connect();
        socket.emit("ask", { question, ...(municipality ? { municipality } : {}), history: this.history.slice(-6) });
        this.history.push({ role: "user", content: question });
      } catch {
        this.onError({ message: TEXT.failed });
      }
    }

    onToken({ text }) {
      if (this.pending) this.pending.body.textContent += text;
    }

    onDone(answer) {
      const msg = this.pending;
      if (!msg) return;
      this.pending = undefined;
      msg.body.textContent = "";
      msg.body.lang = answer.language;
      if (["ar", "fa", "he", "ur"].includes(answer.language)) msg.body.dir = "rtl";
      this.renderAnswer(msg, answer);
      if (answer.notice) {
        const notice = document.createElement("p");
        notice.className = "notice";
        notice.textContent = answer.notice;
        msg.el.insertBefore(notice, msg.body);
      }
      this.history.push({ role: "assistant", content: answer.answer });
      this.finish();
      this.announce(`${TEXT.done} ${answer.answer.replace(/\s*\[\d+\]/g, "")}`);
    }

    onError(error) {
      const msg = this.pending;
      this.pending = undefined;
      if (msg) {
        msg.body.textContent = error?.message || TEXT.failed;
        msg.body.classList.add("error");
      }
      this.finish();
      this.announce(error?.message || TEXT.failed);
    }

    finish() {
      this.$(".log").setAttribute("aria-busy", "false");
      this.$(".send").disabled = false;
    }

    /** Answer text with its [n] markers as links to the sources listed below it. */
    renderAnswer(msg, answer) {
      const byNumber = new Map(answer.citations.map((c) => [c.n, c]));
      for (const part of answer.answer.split(/(\[\d+\])/)) {
        const n = /^\[(\d+)\]$/.exec(part)?.[1];
        const c = n && byNumber.get(Number(n));
        const href = c && safeHref(c.url);
        if (href) {
          const a = document.createElement("a");
          a.href = href;
          a.textContent = `[${n}]`;
          a.setAttribute("aria-label", `${TEXT.sources} ${n}: ${c.title}`);
          msg.body.append(a);
        } else msg.body.append(part);
      }
      // Quotes from the sources are labelled as such; text a model wrote as AI-generated.
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = answer.generator === "extractive" ? TEXT.quotes : TEXT.ai;
      msg.body.dataset.aiGenerated = String(answer.generator !== "extractive");
      msg.body.dataset.generator = answer.generator;
      msg.who.append(badge);
      if (answer.citations.length === 0) return;
      const list = document.createElement("ol");
      list.className = "sources";
      list.setAttribute("aria-label", TEXT.sources);
      for (const c of answer.citations) {
        const li = document.createElement("li");
        li.value = c.n;
        const label = c.section ? `${c.title}, ${c.section}` : c.title;
        const href = safeHref(c.url);
        if (href) {
          const a = document.createElement("a");
          a.href = href;
          a.textContent = label;
          li.append(a);
        } else li.append(label);
        list.append(li);
      }
      msg.el.append(list);
    }

    addMessage(kind, who, text) {
      const el = document.createElement("div");
      el.className = `msg ${kind}`;
      const whoEl = document.createElement("span");
      whoEl.className = "who";
      whoEl.textContent = who;
      const body = document.createElement("div");
      body.className = "body";
      body.textContent = text;
      el.append(whoEl, body);
      this.$(".log").append(el);
      el.scrollIntoView({ block: "end" });
      return { el, who: whoEl, body };
    }

    /** Screen readers hear "working" once and the finished answer once, never the stream. */
    announce(text) {
      const status = this.$('[role="status"]');
      status.textContent = "";
      setTimeout(() => (status.textContent = text), 50);
    }
  }

  if (!customElements.get("auskunft-chat")) customElements.define("auskunft-chat", AuskunftChat);
  const mount = () => document.body.append(document.createElement("auskunft-chat"));
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
