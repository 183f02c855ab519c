// natskit dashboard: renders the state the dashboard serves (GET /api/state, then every
// `state` server-sent event of /api/events) and posts retry/forget with the page's CSRF token.
'use strict';

(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  /** An element with attributes and children (strings become text, never HTML). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const count = (n) => Number(n || 0).toLocaleString('en');
  function bytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = Number(n || 0);
    let i = 0;
    while (value >= 1024 && i < units.length - 1) { value /= 1024; i += 1; }
    return `${i === 0 ? value : value.toFixed(1)} ${units[i]}`;
  }
  function age(seconds) {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
    return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  }
  const time = (unix) => new Date(unix * 1000).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  const percent = (part, whole) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '–');

  /**
   * Makes `tbody`'s rows those of `items` in order, keeping the row of a key it already has
   * (so an open trace or a button being clicked survives an update).
   */
  function syncRows(tbody, items, key, build, update) {
    const existing = new Map([...tbody.rows].map((row) => [row.dataset.key, row]));
    let previous = null;
    for (const item of items) {
      const k = key(item);
      let row = existing.get(k);
      existing.delete(k);
      if (!row) {
        row = build(item);
        row.dataset.key = k;
      }
      update(row, item);
      const next = previous ? previous.nextSibling : tbody.firstChild;
      if (row !== next) tbody.insertBefore(row, next);
      previous = row;
    }
    for (const row of existing.values()) row.remove();
  }

  /** Sets the text of the row's `[data-field=name]` cells. */
  function fill(row, fields) {
    for (const [name, value] of Object.entries(fields)) {
      const cell = row.querySelector(`[data-field="${name}"]`);
      if (cell.textContent !== String(value)) cell.textContent = value;
    }
  }

  const cell = (field, cls) => el('td', { 'data-field': field, class: cls });

  function renderConnection(o) {
    const c = o.connection;
    const js = o.jetstream;
    const facts = [
      ['Server', c.url],
      ['State', c.state],
      ['Round trip', `${(c.rtt * 1000).toFixed(2)} ms`],
      ['Server name', c.server.name],
      ['Version', c.server.version],
      ['Cluster', c.server.cluster || '–'],
      ['JetStream', js ? `${count(js.streams)} streams, ${count(js.consumers)} consumers, ${bytes(js.storage)} on disk, ${bytes(js.memory)} in memory` : 'not available'],
      ['Messages in / out', `${count(c.stats.in_msgs)} / ${count(c.stats.out_msgs)}`],
      ['Bytes in / out', `${bytes(c.stats.in_bytes)} / ${bytes(c.stats.out_bytes)}`],
      ['Reconnects', count(c.stats.reconnects)],
      ['Dropped', count(c.stats.dropped)],
      ['Max payload', bytes(c.server.max_payload)],
    ];
    $('connection').replaceChildren(...facts.map(([name, value]) => el('div', { 'data-fact': name }, el('dt', {}, name), el('dd', {}, String(value)))));
  }

  const BUCKETS = 30;

  /**
   * Bars of `amount(point)` per minute in 30 equal spans of the window (a point counts in the
   * span it ended in), newest at the right.
   */
  function chart(node, points, window, amount) {
    const W = 600, H = 160, left = 44, bottom = 20, top = 8;
    node.replaceChildren();
    const end = points.length ? points[points.length - 1].t : Date.now() / 1000;
    const span = window / BUCKETS;
    const sums = new Array(BUCKETS).fill(0);
    for (const p of points) {
      const i = Math.min(BUCKETS - 1, Math.floor((p.t - (end - window)) / span));
      if (i >= 0) sums[i] += amount(p);
    }
    const rates = sums.map((n) => (n * 60) / span);
    const max = Math.max(1, ...rates);
    const y = (v) => top + (1 - v / max) * (H - top - bottom);
    for (const v of [0, max / 2, max]) {
      node.append(svg('line', { class: 'grid', x1: left, x2: W, y1: y(v), y2: y(v) }));
      node.append(svg('text', { class: 'label', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, v >= 10 ? Math.round(v) : v.toFixed(1)));
    }
    node.append(svg('text', { class: 'label', x: left, y: H - 4 }, '-15 min'));
    node.append(svg('text', { class: 'label', x: W, y: H - 4, 'text-anchor': 'end' }, 'now'));
    if (points.length === 0) {
      node.append(svg('text', { class: 'label', x: (W + left) / 2, y: H / 2, 'text-anchor': 'middle' }, 'collecting…'));
      return;
    }
    const width = (W - left) / BUCKETS;
    rates.forEach((rate, i) => {
      if (rate === 0) return;
      const bar = svg('rect', { class: 'bar', x: (left + i * width + 1).toFixed(1), y: y(rate).toFixed(1), width: (width - 2).toFixed(1), height: (y(0) - y(rate)).toFixed(1) });
      bar.append(svg('title', {}, `${sums[i]} in ${span} s`));
      node.append(bar);
    });
  }

  function renderCharts(history) {
    const points = history.points;
    chart($('chart-finished'), points, history.window, (p) => p.finished);
    chart($('chart-failed'), points, history.window, (p) => p.failed);
    const finished = points.reduce((n, p) => n + p.finished, 0);
    const failed = points.reduce((n, p) => n + p.failed, 0);
    $('finished-rate').textContent = `(${count(finished)} in all)`;
    $('failure-rate').textContent = `(${count(failed)} in all, failure rate ${percent(failed, finished)})`;
  }

  function renderQueues(queues, totals) {
    $('queues-empty').hidden = queues.length > 0;
    syncRows($('queues').tBodies[0], queues, (q) => q.name,
      (q) => el('tr', { 'data-queue': q.name }, el('td', {}, q.name), cell('ready', 'num'), cell('reserved', 'num'),
        cell('delayed', 'num'), cell('failed', 'num'), cell('oldest'), cell('finished', 'num'), cell('failure_rate', 'num')),
      (row, q) => {
        const sums = totals[q.name] || { finished: 0, failed: 0 };
        fill(row, {
          ready: count(q.ready), reserved: count(q.reserved), delayed: count(q.delayed), failed: count(q.failed),
          oldest: q.oldest ? `${q.oldest.job} (${q.oldest.id}), waiting ${age(q.oldest.age)}` : '–',
          finished: count(sums.finished), failure_rate: percent(sums.failed, sums.finished),
        });
        row.querySelector('[data-field="failed"]').classList.toggle('bad', q.failed > 0);
      });
  }

  function renderFailed(jobs, total, readOnly) {
    $('failed-total').textContent = total > jobs.length ? `(newest ${jobs.length} of ${count(total)})` : `(${count(total)})`;
    $('failed-empty').hidden = jobs.length > 0;
    document.querySelector('#failed th.actions').hidden = readOnly;
    syncRows($('failed').tBodies[0], jobs, (j) => j.id,
      (j) => {
        const actions = readOnly ? null : el('td', { class: 'actions' },
          el('button', { type: 'button', class: 'retry', 'data-action': 'retry', title: 'Put it back on its queue, attempts reset' }, 'Retry'),
          el('button', { type: 'button', class: 'forget', 'data-action': 'forget', title: 'Delete it from the failed jobs' }, 'Forget'));
        const details = el('details', {}, el('summary', { 'data-field': 'message' }), el('pre', { 'data-field': 'trace' }));
        return el('tr', { 'data-failed-id': j.id }, cell('failed_at'), cell('queue'), cell('job'), cell('exception'), el('td', {}, details), actions);
      },
      (row, j) => {
        const payload = j.payload || {};
        fill(row, {
          failed_at: time(j.failed_at), queue: j.queue, job: payload.displayName || payload.job || '–',
          exception: j.exception, message: j.message.split('\n')[0] || '(no message)', trace: j.trace || '(no trace)',
        });
      });
  }

  function renderStreams(streams) {
    $('streams-empty').hidden = streams.length > 0;
    const rows = streams.flatMap((s) => [{ stream: s }, ...s.consumers.map((c) => ({ stream: s, consumer: c }))]);
    syncRows($('streams').tBodies[0], rows, (r) => (r.consumer ? `c:${r.stream.name}/${r.consumer.name}` : `s:${r.stream.name}`),
      (r) => el('tr', r.consumer ? { class: 'consumer', 'data-consumer': `${r.stream.name}/${r.consumer.name}` } : { class: 'stream', 'data-stream': r.stream.name },
        cell('name'), cell('subjects'), cell('messages', 'num'), cell('bytes', 'num'), cell('pending', 'num'),
        cell('ack_pending', 'num'), cell('redelivered', 'num'), cell('waiting', 'num')),
      (row, r) => {
        const c = r.consumer;
        fill(row, c
          ? { name: `↳ ${c.name}`, subjects: '', messages: '', bytes: '', pending: count(c.pending), ack_pending: count(c.ack_pending), redelivered: count(c.redelivered), waiting: count(c.waiting) }
          : { name: r.stream.name, subjects: r.stream.subjects.join(', '), messages: count(r.stream.messages), bytes: bytes(r.stream.bytes), pending: '', ack_pending: '', redelivered: '', waiting: '' });
      });
  }

  function render(state) {
    $('error').hidden = !state.error;
    $('error').textContent = state.error ? `The last update failed: ${state.error}` : '';
    $('read-only').hidden = !state.read_only;
    const o = state.overview;
    if (!o) return;
    $('updated').textContent = `updated ${time(o.taken_at)}`;
    renderConnection(o);
    renderCharts(state.history);
    renderQueues(o.queues, state.history.queues);
    renderFailed(o.failed, o.failed_total, state.read_only);
    renderStreams(o.streams);
  }

  function flash(text) {
    $('flash').textContent = text;
    $('flash').hidden = false;
  }

  async function refresh() {
    const response = await fetch('/api/state', { credentials: 'same-origin' });
    if (response.ok) render(await response.json());
  }

  async function act(button) {
    const row = button.closest('tr');
    const id = row.dataset.failedId;
    const kind = button.dataset.action;
    row.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      const response = await fetch(`/api/failed/${encodeURIComponent(id)}/${kind}`, {
        method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf },
      });
      const body = await response.json().catch(() => ({}));
      flash(response.ok ? `${kind === 'retry' ? 'Retried' : 'Forgot'} job ${id}.` : `Could not ${kind} job ${id}: ${body.error ? body.error.message : response.status}`);
      if (!response.ok) row.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    } catch (e) {
      flash(`Could not ${kind} job ${id}: ${e}`);
      row.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    }
    await refresh();
  }

  $('failed').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button && !button.disabled) act(button);
  });

  const live = (ok) => {
    $('live').textContent = ok ? 'live' : 'reconnecting…';
    $('live').className = `badge ${ok ? 'live' : 'down'}`;
  };
  const events = new EventSource('/api/events');
  events.addEventListener('state', (event) => { live(true); render(JSON.parse(event.data)); });
  events.addEventListener('error', () => live(false));
  refresh();
})();
