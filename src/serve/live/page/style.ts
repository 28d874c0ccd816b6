/**
 * @module serve/live/page/style
 * The stylesheet of the live page and the reports (inlined: no CDN, no extra request, works in a
 * mailed file).
 */

export const BASE_CSS = `
:root{--bg:#f4f5f7;--panel:#fff;--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--red:#dc2626;--red-bg:#fef2f2;--amber:#b45309;--amber-bg:#fffbeb;--green:#047857}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
h1,h2,h3{margin:0;font-weight:600}
h2{font-size:15px}
h3{font-size:13px;margin:12px 0 4px;color:var(--muted);font-weight:600}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:12px 14px;min-width:0}
.panel>header{display:flex;justify-content:space-between;align-items:baseline;gap:8px;margin-bottom:8px}
.src{color:var(--muted);font-size:11px;white-space:nowrap}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:10px;margin-bottom:12px}
.kpi{background:var(--panel);border:1px solid var(--line);border-left:4px solid #94a3b8;border-radius:8px;padding:10px 12px}
.kpi .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.kpi .value{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums;margin:2px 0}
.kpi .sub{color:var(--muted);font-size:12px}
.kpi.warn{border-left-color:#f59e0b;background:var(--amber-bg)}
.kpi.over{border-left-color:var(--red);background:var(--red-bg)}
.kpi.over .value{color:var(--red)}
table{width:100%;border-collapse:collapse;font-size:13px}
th{text-align:left;color:var(--muted);font-weight:600;font-size:12px;border-bottom:1px solid var(--line);padding:4px 6px}
td{border-bottom:1px solid #f1f2f4;padding:4px 6px;vertical-align:top}
th.n,td.n{text-align:right;font-variant-numeric:tabular-nums}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;word-break:break-all}
.badge{display:inline-block;border-radius:10px;padding:0 7px;font-size:11px;font-weight:600;background:#e5e7eb;color:#374151;white-space:nowrap}
.badge-critical,.badge-firing{background:#fee2e2;color:#991b1b}
.badge-high,.badge-warning{background:#ffedd5;color:#9a3412}
.badge-normal{background:#e0e7ff;color:#3730a3}
.badge-low,.badge-info{background:#f3f4f6;color:#4b5563}
.badge-upset{background:#fce7f3;color:#9d174d}
.badge-waiting{background:#fef3c7;color:#92400e}
.badge-paused{background:#f3f4f6;color:#6b7280}
.chip{white-space:nowrap}
.swatch{display:inline-block;vertical-align:-1px;margin-right:4px}
.tick{font-variant-numeric:tabular-nums;white-space:nowrap}
.tick.over,.bad{color:var(--red);font-weight:600}
.empty{color:var(--muted);margin:6px 0}
.note{color:var(--muted);font-size:12px;margin:4px 0 6px}
.legend{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:#374151}
.chart{display:block;max-height:320px}
.chart .grid{stroke:#eef0f3}
.chart .axis{stroke:#9ca3af}
.chart .tick{fill:#6b7280;font-size:11px}
.chart .band-label{font-size:11px;font-weight:600}
.chart .now{stroke:#111827;stroke-dasharray:3 3}
.chart .peak{stroke-dasharray:2 3;stroke-width:1;opacity:.7}
.chart .lane-label{font-size:10px;fill:#6b7280}
.messages{list-style:none;margin:0;padding:0}
.messages li{display:flex;gap:8px;align-items:baseline;border-bottom:1px solid #f1f2f4;padding:4px 0}
.messages .time{color:var(--muted);font-variant-numeric:tabular-nums}
.messages .text{flex:1;min-width:0;overflow-wrap:anywhere;white-space:pre-wrap;unicode-bidi:plaintext}
.messages li.fresh{animation:fresh 2s ease-out}
@keyframes fresh{from{background:#fef9c3}to{background:transparent}}
.summary{overflow-wrap:anywhere}
`;

export const PAGE_CSS = `${BASE_CSS}
.top{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;padding:8px 16px;background:#111827;color:#f9fafb}
.top .brandmark{font-weight:700;letter-spacing:.02em}
.top label{font-size:12px;color:#d1d5db;display:flex;gap:6px;align-items:center}
.top select{font:inherit;font-size:13px;max-width:340px}
.top .meta{font-size:12px;color:#d1d5db;font-variant-numeric:tabular-nums}
.top a{color:#93c5fd}
.status{font-size:12px;font-weight:600}
.status.live::before{content:"● ";color:#22c55e}
.status.replay::before{content:"● ";color:#9ca3af}
.status.down::before{content:"● ";color:#ef4444}
main{padding:12px 16px;max-width:1680px;margin:0 auto}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}
.grid .wide{grid-column:1/-1}
#problem{display:none;background:var(--red-bg);color:var(--red);padding:6px 16px;font-size:13px}
#problem.show{display:block}
`;
