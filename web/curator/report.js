/* Curator report: draws the charts (ECharts, installed from npm, served locally) from the data the
   page carries, and, when served by the bot, sends a curator's fix (attach / out of scope). */
(function () {
  "use strict";
  var node = document.getElementById("report-data");
  var data = node ? JSON.parse(node.textContent) : null;
  var BRAND = ["#b3261e", "#1f6feb", "#1a7f37", "#bf8700", "#8250df", "#57606a"];
  var CATEGORY_COLORS = { answered: "#1a7f37", asked_back: "#1f6feb", not_found: "#b3261e",
                          out_of_scope: "#bf8700", handed_off: "#8250df" };
  var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif';

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    option.color = BRAND;
    option.textStyle = { fontFamily: FONT };
    option.animation = false;
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }

  function bars(id, labels, values, name) {
    chart(id, {
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: labels.slice().reverse(), axisLabel: { width: 220, overflow: "truncate" } },
      series: [{ type: "bar", name: name, data: values.slice().reverse(), barMaxWidth: 18, label: { show: true, position: "right" } }]
    });
  }

  if (data) {
    if (!data.per_day.length) {
      ["c-per-day", "c-shares", "c-measures", "c-topics"].forEach(function (id) {
        var el = document.getElementById(id); if (el) { el.textContent = "暂无数据。"; el.style.height = "auto"; }
      });
    } else {
      chart("c-per-day", {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.per_day.map(function (d) { return d.date; }) },
        yAxis: { type: "value", minInterval: 1, name: "提问数" },
        series: data.channels.map(function (c) {
          return { type: "bar", stack: "all", name: c.label, barMaxWidth: 36,
                   data: data.per_day.map(function (d) { return d[c.id] || 0; }) };
        })
      });
      chart("c-shares", {
        tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { orient: "vertical", left: 0, top: "middle" },
        series: [{ type: "pie", radius: ["38%", "68%"], center: ["60%", "50%"],
                   label: { formatter: "{b}\n{d}%" },
                   data: data.shares.filter(function (s) { return s.count > 0; })
                     .map(function (s) { return { name: s.label, value: s.count, itemStyle: { color: CATEGORY_COLORS[s.category] } }; }) }]
      });
      bars("c-measures", data.top_measures.map(function (m) { return m.measure_id + " " + (m.title || ""); }),
           data.top_measures.map(function (m) { return m.count; }), "次数");
      bars("c-topics", data.top_topics.map(function (t) { return t.label; }),
           data.top_topics.map(function (t) { return t.count; }), "次数");
    }
  }

  /* Fixes (served page only): attach the wording to a measure, or mark it out of scope. */
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest(".fix button") : null;
    if (!button) return;
    var box = button.parentNode;
    var msg = box.querySelector(".msg");
    var act = button.getAttribute("data-act");
    var body = { wording: box.getAttribute("data-wording") };
    if (act === "attach") {
      body.measure_id = box.querySelector("input").value.trim();
      if (!body.measure_id) { msg.className = "msg err"; msg.textContent = "请填写措施编号"; return; }
    }
    msg.className = "msg"; msg.textContent = "提交中…";
    fetch("api/" + act, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Curator": "1" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        msg.className = res.ok ? "msg done" : "msg err";
        msg.textContent = res.ok ? res.j.message : (res.j.error || "失败");
      })
      .catch(function () { msg.className = "msg err"; msg.textContent = "网络错误，请重试"; });
  });
})();
