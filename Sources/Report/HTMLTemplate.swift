extension HTMLReport {
    /// The page. `{{x}}` is HTML-escaped; `{{{x}}}` is used only for the style sheet and script below,
    /// and for the SVG, the group rows and the audit trails built (and escaped) in HTMLReport.swift.
    static let template = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>SLA report as of {{asOf}}</title>
        <style>
        {{{style}}}
        </style>
        </head>
        <body>
        <header>
        <h1>SLA report <span class="badge {{statusClass}}" id="status">{{status}}</span></h1>
        <div class="note">as of <b id="as-of">{{asOf}}</b> · report set {{generation}} · run took {{seconds}} s</div>
        {{#unverified}}<p class="warning">This forensic run kept text of damaged compressed units (--keep-unverified): figures may hold made-up events.</p>{{/unverified}}
        <div class="figures">
        <div class="figure"><b>{{tickets}}</b>tickets</div>
        <div class="figure"><b>{{ticketsBreached}}</b>tickets breached</div>
        <div class="figure"><b>{{breaches}}</b>breaches</div>
        <div class="figure"><b>{{atRisk}}</b>at risk</div>
        <div class="figure"><b>{{inputs}}</b>inputs, {{megabytes}} MB</div>
        <div class="figure"><b>{{lines}}</b>lines, {{events}} events</div>
        <div class="figure"><b>{{problemCount}}</b>problems, {{rejected}} rejected lines</div>
        </div>
        </header>

        <section id="groups">
        <h2>Compliance per {{groupLabel}} ({{groupCount}})</h2>
        <p class="note">Compliance = met / measured instances. Click a column to sort; type to filter. p90 in seconds.{{#moreGroups}} The table lists the {{listedGroups}} groups with the most tickets; the other {{moreGroups}} are in summary.csv.{{/moreGroups}}</p>
        {{{topSVG}}}
        <p><input type="search" id="filter" placeholder="Filter {{groupLabel}}…" aria-label="Filter rows"></p>
        <div class="scroll">
        <table class="sortable" id="groups-table">
        <thead><tr>{{#groupHeaders}}<th class="group">{{name}}</th>{{/groupHeaders}}<th>tickets</th><th>breached</th>{{#metricHeaders}}<th>{{name}} %</th><th>{{name}} breaches</th><th>{{name}} at risk</th><th>{{name}} p90 s</th>{{/metricHeaders}}</tr></thead>
        <tbody>
        {{{rowsHTML}}}
        </tbody>
        </table>
        </div>
        </section>

        {{#hasServices}}
        <section id="availability">
        <h2>Service availability</h2>
        <p class="note">Per service and period: up / (up + down) in service hours, outages counted, error budget left (availability.csv and outages.csv have every figure).</p>
        <table class="sortable" id="availability-table">
        <thead><tr><th class="group">service</th><th class="group">period</th><th>availability %</th><th>target %</th><th>outages</th><th>down s</th><th>budget left s</th><th class="group">outcome</th><th class="group">why</th></tr></thead>
        <tbody>
        {{#services}}<tr><td class="group">{{service}}</td><td class="group">{{period}}</td><td>{{availability}}</td><td>{{target}}</td><td>{{outages}}</td><td>{{down}}</td><td>{{remaining}}</td><td class="group {{outcomeClass}}">{{outcome}}</td><td class="reason">{{reasons}}</td></tr>
        {{/services}}
        </tbody>
        </table>
        </section>
        {{/hasServices}}

        {{#hasTrend}}
        <section id="trend">
        <h2>Breaches over time</h2>
        <p class="note">Breached metric instances by the day they stopped (ongoing breaches: as_of), in {{zone}}.</p>
        {{{trendSVG}}}
        </section>
        {{/hasTrend}}

        {{#hasWorst}}
        <section id="worst">
        <h2>Worst tickets</h2>
        <p class="note">The breached tickets furthest over a target, each with its audit trail (the text of <code>slalog explain</code>).</p>
        <table class="sortable" id="worst-table">
        <thead><tr><th class="group">ticket</th><th class="group">customer</th><th>over target s</th><th class="group">why</th></tr></thead>
        <tbody>
        {{#worst}}<tr id="{{anchor}}"><td class="group">{{ticket}}</td><td class="group">{{customer}}</td><td data-v="{{overValue}}">{{over}}</td><td class="reason">{{reasons}}<details><summary>audit trail</summary><pre>{{{trail}}}</pre></details></td></tr>
        {{/worst}}
        </tbody>
        </table>
        </section>
        {{/hasWorst}}

        <section id="problems">
        <h2>Problems and rejects</h2>
        {{^hasProblems}}<p>None: every input was read and every matching line became an event.</p>{{/hasProblems}}
        {{#hasProblems}}
        <table id="problem-counts"><thead><tr><th class="group">category</th><th>count</th></tr></thead><tbody>
        {{#problemCounts}}<tr><td class="group">{{category}}</td><td>{{count}}</td></tr>{{/problemCounts}}
        {{#rejectCounts}}<tr><td class="group">{{category}} (rejects.csv)</td><td>{{count}}</td></tr>{{/rejectCounts}}
        </tbody></table>
        <ul>{{#problems}}<li>{{text}}</li>{{/problems}}</ul>
        {{#moreProblems}}<p class="note">…and {{moreProblems}} more in run.json.</p>{{/moreProblems}}
        {{/hasProblems}}
        </section>

        <footer>Written by slalog. Every figure is defined in docs/semantics.md of the slalog repository; the CSV files beside this page hold every row.</footer>
        <script>
        {{{script}}}
        </script>
        </body>
        </html>

        """

    /// The page's style sheet and script: fixed text, inserted as is (Mustache does not parse them on every run).
    static let style = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
        header, section, footer { max-width: 1200px; margin: 0 auto; padding: 12px 20px; }
        header { background: #fff; border-bottom: 1px solid #dde1e7; max-width: none; }
        h1 { font-size: 22px; margin: 4px 0 8px; }
        h2 { font-size: 17px; margin: 18px 0 8px; }
        .badge { display: inline-block; padding: 2px 10px; border-radius: 10px; font-weight: 600; color: #fff; }
        .badge.good { background: #2e7d32; } .badge.bad { background: #c62828; }
        .figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
        .figure { background: #f0f2f5; border-radius: 6px; padding: 6px 12px; min-width: 110px; }
        .figure b { display: block; font-size: 20px; }
        .note { color: #5b6472; }
        .warning { background: #fff3e0; border: 1px solid #ffb74d; padding: 8px 12px; border-radius: 6px; }
        table { border-collapse: collapse; background: #fff; width: 100%; }
        th, td { border-bottom: 1px solid #e3e6eb; padding: 4px 8px; text-align: right; white-space: nowrap; }
        th { background: #eef1f5; position: sticky; top: 0; cursor: pointer; user-select: none; }
        th.group, td.group { text-align: left; }
        td.good { color: #1b5e20; } td.warn { color: #e65100; } td.bad { color: #b71c1c; font-weight: 600; }
        tr.hidden { display: none; }
        input[type=search] { padding: 6px 10px; width: 280px; border: 1px solid #c5cbd3; border-radius: 6px; margin-bottom: 8px; }
        .scroll { max-height: 620px; overflow: auto; border: 1px solid #dde1e7; }
        svg { width: 100%; height: auto; background: #fff; border: 1px solid #dde1e7; }
        svg .bar { fill: #5c6bc0; } svg .axis { stroke: #9aa3ad; } svg .average { stroke: #c62828; stroke-dasharray: 5 4; }
        svg .tick, svg .label { font-size: 11px; fill: #3d4654; }
        details pre { background: #fff; border: 1px solid #dde1e7; padding: 8px; overflow: auto; font-size: 12px; }
        td.reason { text-align: left; white-space: normal; }
        footer { color: #5b6472; font-size: 12px; }
        """

    static let script = """
        (function () {
          function value(cell) {
            var v = cell.getAttribute("data-v");
            var text = v !== null ? v : cell.textContent.trim();
            var n = parseFloat(text);
            return isNaN(n) || !/^-?[0-9.]+$/.test(text) ? text.toLowerCase() : n;
          }
          document.querySelectorAll("table.sortable").forEach(function (table) {
            table.querySelectorAll("th").forEach(function (th, column) {
              th.addEventListener("click", function () {
                var body = table.tBodies[0];
                var rows = Array.prototype.slice.call(body.rows);
                var descending = th.getAttribute("data-order") !== "desc";
                th.setAttribute("data-order", descending ? "desc" : "asc");
                rows.sort(function (a, b) {
                  var x = value(a.cells[column]), y = value(b.cells[column]);
                  var order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
                  return descending ? -order : order;
                });
                rows.forEach(function (row) { body.appendChild(row); });
              });
            });
          });
          var filter = document.getElementById("filter");
          if (filter) {
            filter.addEventListener("input", function () {
              var needle = filter.value.toLowerCase();
              document.querySelectorAll("#groups-table tbody tr").forEach(function (row) {
                var key = Array.prototype.slice.call(row.querySelectorAll("td.group")).map(function (c) { return c.textContent; }).join(" ");
                row.classList.toggle("hidden", needle !== "" && key.toLowerCase().indexOf(needle) < 0);
              });
            });
          }
        })();
        """
}
