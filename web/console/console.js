/* Hotline staff console (plain JS, no build step).
 * All data goes into the DOM through textContent / attributes, never innerHTML. */
(function () {
  "use strict";

  var TOKEN_KEY = "hotlineConsole.token";
  var SESSION_KEY = "hotlineConsole.session";
  var STATUS_TEXT = { eligible: "符合条件", not_eligible: "不符合", unknown: "还需了解" };
  var BOOL_OPTIONS = [["", "未知"], ["true", "是"], ["false", "否"]];
  var UNITS = { money: "元", percent: "%", number: "" };

  var $ = function (id) { return document.getElementById(id); };
  var lastAnswerText = "";
  var busy = false;

  /* ---------- small DOM helpers ---------- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "className") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function showError(node, message) {
    node.textContent = message || "";
    node.hidden = !message;
  }

  function safeUrl(url) {
    var u = String(url || "").trim();
    if (/^https?:\/\//i.test(u)) return u;
    if (/^www\./i.test(u)) return "http://" + u;
    return null;
  }

  function telHref(phone) {
    var digits = String(phone).replace(/[^0-9+]/g, "");
    return digits ? "tel:" + digits : null;
  }

  /* ---------- token and session ---------- */

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

  function newSessionId() {
    var bytes = new Uint8Array(6);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function session() {
    var s = sessionStorage.getItem(SESSION_KEY);
    if (!s) { s = newSessionId(); sessionStorage.setItem(SESSION_KEY, s); }
    return s;
  }

  function showLogin(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("app").hidden = true;
    $("session-bar").hidden = true;
    $("login").hidden = false;
    showError($("login-error"), message || "");
    $("token").value = "";
    $("token").focus();
  }

  function showKbProblems(problems) {
    // An edited knowledge-base file failed validation: answers still come from the last good version.
    var text = problems && problems.length
      ? "知识库的最新修改未生效（校验未通过），当前仍按上一版作答：" + problems.join("；")
      : "";
    showError($("kb-problems"), text);
  }

  function showApp(data) {
    showKbProblems(data && data.kb_problems);
    $("login").hidden = true;
    $("app").hidden = false;
    $("session-bar").hidden = false;
    $("session-id").textContent = session();
    $("question").focus();
  }

  /* ---------- API ---------- */

  function api(method, path, body) {
    var options = { method: method, headers: { "Authorization": "Bearer " + token() }, cache: "no-store" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch("api/" + path, options).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.status === 401) {
          showLogin(data.error || "访问口令无效，请重新输入。");
          throw new Error(data.error || "未授权");
        }
        if (!res.ok) throw new Error(data.error || ("请求失败（" + res.status + "）"));
        return data;
      });
    }, function () {
      throw new Error("无法连接服务器，请检查网络后重试。");
    });
  }

  /* ---------- ask ---------- */

  function ask(question, keepHits) {
    if (busy) return;
    var district = $("district").value || null;
    busy = true;
    $("ask-button").disabled = true;
    $("ask-button").classList.add("loading");
    showError($("ask-error"), "");
    api("POST", "ask", { question: question, district: district, session: session() })
      .then(function (data) {
        renderAnswer(data.answer || []);
        showKbProblems(data.kb_problems);
        if (!keepHits) renderHits(data.hits || [], district);
      })
      .catch(function (err) { if (!$("app").hidden) showError($("ask-error"), err.message); })
      .then(function () {
        busy = false;
        $("ask-button").disabled = false;
        $("ask-button").classList.remove("loading");
      });
  }

  function renderAnswer(messages) {
    var box = $("answer");
    clear(box);
    var texts = [];
    messages.forEach(function (msg) {
      var bubble = el("div", { className: "bot-message" });
      if (msg.text) {
        texts.push(msg.text);
        bubble.appendChild(el("div", { className: "bot-text", text: msg.text }));
      }
      if (msg.image) bubble.appendChild(el("div", { className: "muted small", text: "[图片] " + msg.image }));
      var buttons = msg.buttons || msg.quick_replies || [];
      if (buttons.length) {
        bubble.appendChild(el("div", { className: "chips" }, buttons.map(function (b) {
          return el("button", {
            type: "button", className: "chip", text: b.title,
            title: "继续追问：" + b.title,
            onclick: function () { ask(b.payload || b.title, true); }
          });
        })));
      }
      box.appendChild(bubble);
    });
    if (!messages.length) box.appendChild(el("p", { className: "muted", text: "助手没有回答。" }));
    lastAnswerText = texts.join("\n\n");
    $("copy-status").textContent = "";
    $("answer-box").hidden = false;
  }

  /* ---------- copy ---------- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function fallbackCopy(text) {
    return new Promise(function (resolve, reject) {
      var area = el("textarea", { readonly: true, "aria-hidden": "true", className: "offscreen" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }

  /* ---------- measure cards ---------- */

  function renderHits(hits, district) {
    var box = $("hits");
    clear(box);
    $("hits-note").textContent = district ? "（仅" + district + "）" : "";
    if (!hits.length) {
      box.appendChild(el("p", { className: "placeholder", text: "没有找到相关措施，请换个说法或调整区县。" }));
      return;
    }
    hits.forEach(function (hit, i) { box.appendChild(card(hit, i + 1)); });
  }

  function citationText(c) {
    return c.document_number + " 第" + c.label + "条 · " + c.date;
  }

  function phoneLinks(contact) {
    return (contact.phones || []).map(function (p) {
      return el("a", { className: "phone", href: telHref(p), text: p });
    });
  }

  function personLine(contact) {
    return [contact.unit, contact.office, (contact.persons || []).join("、")].filter(Boolean).join(" ");
  }

  function card(m, rank) {
    var primary = (m.contacts || []).filter(function (c) { return (c.phones || []).length; }).slice(0, 2);
    var details = el("div", { className: "details", hidden: true }, [detailSections(m)]);
    var tools = el("div", { className: "tools" });
    var node = el("article", { className: "card" + (m.confident ? "" : " weak"), "data-measure-id": m.id }, [
      el("div", { className: "card-head" }, [
        el("span", { className: "rank", text: String(rank) }),
        el("div", { className: "card-title" }, [
          el("h3", {}, [el("span", { className: "badge district", text: m.district }), m.title]),
          el("div", { className: "cite" }, [
            el("span", { className: "doc", text: m.citation.document_number }),
            el("span", { text: "第" + m.label + "条" }),
            el("span", { text: m.citation.date }),
            el("span", { className: "muted", text: m.citation.validity })
          ])
        ]),
        el("div", { className: "score", title: "检索得分 / 问题词覆盖率" }, [
          el("span", { className: "score-num", text: Number(m.score).toFixed(1) }),
          el("span", { className: "score-label", text: m.confident ? "匹配" : "弱匹配" }),
          el("span", { className: "score-cov", text: "覆盖 " + Math.round(m.coverage * 100) + "%" })
        ])
      ]),
      el("p", { className: "summary", text: m.summary }),
      primary.length ? el("div", { className: "phones" }, primary.map(function (c) {
        return el("div", { className: "phone-row" }, [
          el("span", { className: "phone-who", text: (c.item ? "[" + c.item + "] " : "") + personLine(c) })
        ].concat(phoneLinks(c)));
      })) : el("p", { className: "muted small", text: "原文未列出电话，责任单位：" + ((m.responsible_units || []).join("、") || "—") }),
      el("div", { className: "card-actions" }, [
        toggleButton("详情", details),
        m.calculator.available && m.calculator.inputs.length
          ? el("button", { type: "button", className: "btn btn-light", text: "算一算", "data-action": "calc",
                           onclick: function () { openTool(tools, "calc", m); } }) : null,
        m.check.facts.length
          ? el("button", { type: "button", className: "btn btn-light", text: "能否享受", "data-action": "check",
                           onclick: function () { openTool(tools, "check", m); } }) : null
      ]),
      tools,
      details
    ]);
    return node;
  }

  function toggleButton(label, target) {
    var button = el("button", { type: "button", className: "btn btn-light", "aria-expanded": "false", text: label + " ▾" });
    button.addEventListener("click", function () {
      target.hidden = !target.hidden;
      button.setAttribute("aria-expanded", String(!target.hidden));
      button.textContent = label + (target.hidden ? " ▾" : " ▴");
    });
    return button;
  }

  function section(title, children) {
    return el("section", { className: "detail" }, [el("h4", { text: title })].concat(children));
  }

  function detailSections(m) {
    var frag = document.createDocumentFragment();
    var elig = m.eligibility || {};
    frag.appendChild(section("申请条件", [
      elig.text ? el("p", { text: elig.text }) : el("p", { className: "muted", text: "原文未列出具体条件。" }),
      (elig.conditions || []).length ? el("ul", {}, elig.conditions.map(function (c) { return el("li", { text: c.text }); })) : null
    ]));
    frag.appendChild(section("支持内容", [
      el("ul", {}, (m.benefits || []).map(function (b) {
        return el("li", {}, [b.text, (b.when || []).length ? el("span", { className: "muted", text: "（适用：" + b.when.join("；") + "）" }) : null]);
      }))
    ]));
    var app = m.application || {};
    var steps = app.steps || [];
    frag.appendChild(section("办理流程", [
      steps.length ? el("ol", {}, steps.map(function (s) { return el("li", { text: s }); }))
                   : el("p", { className: "muted", text: "原文未列出办理步骤，请联系责任单位。" }),
      (app.urls || []).length ? el("p", {}, ["网址："].concat(app.urls.map(function (u) {
        var href = safeUrl(u);
        return href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer", className: "url", text: u })
                    : el("span", { text: u });
      }))) : null,
      app.deadline_text ? el("p", { className: "deadline", text: app.deadline_text })
        : (app.deadline ? el("p", { className: "deadline", text: "截止：" + app.deadline }) : null)
    ]));
    frag.appendChild(section("联系方式", [contactTable(m.contacts || [], m.responsible_units || [])]));
    if ((m.notes || []).length) {
      frag.appendChild(section("备注", [el("ul", {}, m.notes.map(function (n) { return el("li", { text: n }); }))]));
    }
    frag.appendChild(section("原文", [el("p", { className: "source-text", text: m.text }),
      el("p", { className: "muted small", text: m.citation.document_number + "《" + m.citation.document_title + "》" })]));
    return frag;
  }

  function contactTable(contacts, units) {
    if (!contacts.length) return el("p", { className: "muted", text: "原文未列出联系方式。责任单位：" + (units.join("、") || "—") });
    return el("table", { className: "contacts" }, [
      el("thead", {}, [el("tr", {}, ["事项", "单位 / 科室", "联系人", "电话", "邮箱 / 说明"].map(function (h) { return el("th", { text: h }); }))]),
      el("tbody", {}, contacts.map(function (c) {
        return el("tr", {}, [
          el("td", { text: c.item || "" }),
          el("td", { text: [c.unit, c.office].filter(Boolean).join(" ") }),
          el("td", { text: (c.persons || []).join("、") }),
          el("td", { className: "phone-cell" }, phoneLinks(c)),
          el("td", {}, [(c.emails || []).join("、"), c.note ? el("div", { className: "muted small", text: c.note }) : null])
        ]);
      }))
    ]);
  }

  /* ---------- calculator and eligibility check ---------- */

  function field(spec, prefix) {
    var id = prefix + "-" + spec.name;
    var input;
    if (spec.type === "bool") {
      input = el("select", { id: id, name: spec.name }, BOOL_OPTIONS.map(function (o) { return el("option", { value: o[0], text: o[1] }); }));
    } else if (spec.values && spec.values.length) {
      input = el("select", { id: id, name: spec.name }, [el("option", { value: "", text: "未知" })].concat(
        spec.values.map(function (v) { return el("option", { value: v, text: v }); })));
    } else if (spec.type === "money" || spec.type === "percent" || spec.type === "number") {
      input = el("input", { id: id, name: spec.name, type: "number", min: "0", step: "any", inputmode: "decimal" });
    } else {
      input = el("input", { id: id, name: spec.name, type: "text", maxlength: "100" });
    }
    var unit = UNITS[spec.type];
    return el("div", { className: "field" }, [
      el("label", { for: id, text: spec.label, title: spec.question || "" }),
      el("div", { className: "field-input" }, [input, unit ? el("span", { className: "unit", text: unit }) : null])
    ]);
  }

  function readFacts(form) {
    var facts = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.value === "") return;
      if (input.type === "number") facts[input.name] = Number(input.value);
      else if (input.tagName === "SELECT" && (input.value === "true" || input.value === "false")) facts[input.name] = input.value === "true";
      else facts[input.name] = input.value;
    });
    return facts;
  }

  function openTool(container, kind, m) {
    var existing = container.querySelector("[data-tool='" + kind + "']");
    if (existing) { existing.hidden = !existing.hidden; return; }
    var specs = kind === "calc" ? m.calculator.inputs : m.check.facts;
    var result = el("div", { className: "result", "aria-live": "polite", hidden: true });
    var error = el("p", { className: "error", role: "alert", hidden: true });
    var form = el("form", { className: "tool", "data-tool": kind }, [
      el("h4", { text: kind === "calc" ? "计算可享受金额" : "判断能否享受" }),
      el("div", { className: "fields" }, specs.map(function (s) { return field(s, m.id + "-" + kind); })),
      el("div", { className: "tool-actions" }, [
        el("button", { type: "submit", className: "btn btn-primary", text: kind === "calc" ? "计算" : "判断" }),
        el("span", { className: "muted small", text: kind === "calc" ? "按原文标准估算，以责任单位审核为准" : "未知的项可留空" })
      ]),
      error,
      result
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      showError(error, "");
      api("POST", kind, { measure_id: m.id, facts: readFacts(form) }).then(function (data) {
        clear(result);
        if (kind === "check") {
          result.appendChild(el("span", { className: "status status-" + data.status, text: STATUS_TEXT[data.status] || data.status }));
        }
        result.appendChild(el("div", { className: "result-text", text: data.text }));
        result.hidden = false;
      }).catch(function (err) { showError(error, err.message); });
    });
    container.appendChild(form);
    var first = form.querySelector("input, select");
    if (first) first.focus();
  }

  /* ---------- wiring ---------- */

  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var value = $("token").value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      var button = $("login-form").querySelector("button[type=submit]");
      button.disabled = true;
      showError($("login-error"), "");
      api("GET", "ping").then(showApp, function (err) {
        if (!$("login").hidden) showError($("login-error"), err.message);
      }).then(function () { button.disabled = false; });
    });
    $("logout").addEventListener("click", function () {
      sessionStorage.removeItem(SESSION_KEY);
      showLogin("");
    });
    $("new-call").addEventListener("click", function () {
      sessionStorage.setItem(SESSION_KEY, newSessionId());
      $("session-id").textContent = session();
      $("question").value = "";
      $("counter").textContent = "0/1000";
      $("answer-box").hidden = true;
      clear($("hits"));
      $("hits").appendChild(el("p", { className: "placeholder", text: "新来电：请输入问题。" }));
      showError($("ask-error"), "");
      $("question").focus();
    });
    $("ask-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var q = $("question").value.trim();
      if (!q) { showError($("ask-error"), "请先输入来电者的问题。"); return; }
      ask(q, false);
    });
    $("question").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        $("ask-form").requestSubmit ? $("ask-form").requestSubmit() : $("ask-button").click();
      }
    });
    $("question").addEventListener("input", function () {
      $("counter").textContent = $("question").value.length + "/1000";
    });
    ["mark-right", "mark-wrong"].forEach(function (id) {
      $(id).addEventListener("click", function () {
        var status = $("mark-status");
        status.textContent = "提交中…";
        api("POST", "feedback", { session: session(), rating: $(id).getAttribute("data-rating"),
                                  note: $("mark-note").value.trim(), measure_id: $("mark-measure").value.trim() })
          .then(function (data) { status.textContent = data.text || "已记录"; $("mark-note").value = ""; $("mark-measure").value = ""; })
          .catch(function (err) { status.textContent = err.message; });
      });
    });
    $("copy").addEventListener("click", function () {
      if (!lastAnswerText) return;
      copyText(lastAnswerText).then(function () { $("copy-status").textContent = "已复制"; },
        function () { $("copy-status").textContent = "复制失败，请手动选择文字复制"; });
    });

    if (token()) showApp(); else showLogin("");
  });
})();
