// The Chelonia map page. Reads /api/links (the links --json objects) at every poll and draws one
// edge per link, counted once: of the two observers of a link, the client's view is taken, the
// server's only when no client view is there (a client elsewhere). Rates are computed here, from
// the polls this page has seen over the last five minutes.
//
// Every name comes from the network (process, pod and host names are anyone's to choose), so text
// only ever reaches the page through textContent and Cytoscape's canvas labels, never as markup.
'use strict';
(function () {
  const WINDOW_MS = 5 * 60 * 1000;
  const DEFAULT_REFRESH_SECONDS = 5;
  const started = performance.now();
  const state = {
    history: [],       // [{t, rows: Map(linkId -> row)}], oldest first, the last five minutes
    current: [],       // the counted links of the last poll, with their figures
    mode: '5m',        // or 'start'
    filter: '',
    selected: null,    // {type: 'node'|'edge', id}
    refreshSeconds: DEFAULT_REFRESH_SECONDS,
    polls: 0,
    firstDrawMs: null,
    error: null,
  };
  const byId = (id) => document.getElementById(id);

  const cy = cytoscape({
    container: byId('graph'),
    minZoom: 0.05,
    maxZoom: 4,
    style: [
      { selector: 'node', style: {
        'label': 'data(label)', 'text-wrap': 'wrap', 'font-size': 10, 'text-valign': 'bottom',
        'text-margin-y': 3, 'background-color': 'data(color)', 'width': 22, 'height': 22,
        'min-zoomed-font-size': 4 } },
      { selector: 'node.namespace', style: {
        'label': 'data(label)', 'text-valign': 'top', 'font-size': 12, 'font-weight': 'bold',
        'background-color': '#eef1f6', 'border-color': '#b8c0cf', 'border-width': 1, 'shape': 'round-rectangle' } },
      { selector: 'edge', style: {
        'label': 'data(label)', 'text-wrap': 'wrap', 'font-size': 9, 'curve-style': 'bezier',
        'target-arrow-shape': 'triangle', 'width': 'data(width)', 'line-color': '#7a8699',
        'target-arrow-color': '#7a8699', 'text-background-color': '#fff', 'text-background-opacity': 0.8,
        // A crowded map zoomed out shows its shape, not a blur of labels (and draws faster).
        'min-zoomed-font-size': 4 } },
      { selector: 'edge.failed', style: { 'line-color': '#d32f2f', 'target-arrow-color': '#d32f2f', 'color': '#b71c1c' } },
      { selector: '.hidden', style: { 'display': 'none' } },
      { selector: ':selected', style: { 'overlay-color': '#4d7cfe', 'overlay-opacity': 0.25 } },
    ],
  });

  const endId = (end) => end.namespace + '/' + end.kind + '/' + end.name;
  const linkId = (row) => endId(row.client) + ' -> ' + endId(row.server) + ':' + row.server_port + '/' + row.network_type;
  const edgeId = (row) => endId(row.client) + ' -> ' + endId(row.server) + ':' + row.server_port;
  const failures = (row) => Object.values(row.connection_failures).reduce((a, b) => a + b, 0);
  const exact = (n) => Number(n).toLocaleString('en-US');

  /** One row per link: the client's view when there is one, else the server's. */
  function counted(rows) {
    const chosen = new Map();
    for (const row of rows) {
      const id = linkId(row);
      const had = chosen.get(id);
      if (!had || (had.observer !== 'client' && row.observer === 'client')) {
        chosen.set(id, row);
      }
    }
    return [...chosen.values()];
  }

  /** The row's figures over the window: deltas since the baseline, or totals since start. */
  function figures(row, now) {
    const total = {
      bytes: row.bytes_client_to_server + row.bytes_server_to_client,
      opened: row.connections_opened,
      failures: failures(row),
      reasons: row.connection_failures,
      retransmits: row.retransmits,
      rttSum: row.rtt.mean_us * row.rtt.samples,
      rttSamples: row.rtt.samples,
    };
    if (state.mode === 'start') {
      return { rates: false, ...total, rttMeanUs: total.rttSamples ? total.rttSum / total.rttSamples : null };
    }
    const base = baseline(row, now);
    if (!base) {
      return { rates: true, unknown: true, ...total, rttMeanUs: row.rtt.samples ? row.rtt.mean_us : null };
    }
    const seconds = Math.max((now - base.t) / 1000, state.refreshSeconds);
    const reasons = {};
    for (const [reason, count] of Object.entries(row.connection_failures)) {
      const delta = count - (base.row ? base.row.connection_failures[reason] || 0 : 0);
      if (delta > 0) reasons[reason] = delta / seconds;
    }
    const was = base.row ? figures.totalsOf(base.row) : { bytes: 0, opened: 0, failures: 0, retransmits: 0, rttSum: 0, rttSamples: 0 };
    const samples = total.rttSamples - was.rttSamples;
    return {
      rates: true,
      bytes: (total.bytes - was.bytes) / seconds,
      opened: (total.opened - was.opened) / seconds,
      failures: (total.failures - was.failures) / seconds,
      reasons,
      retransmits: (total.retransmits - was.retransmits) / seconds,
      rttMeanUs: samples > 0 ? (total.rttSum - was.rttSum) / samples : (row.rtt.samples ? row.rtt.mean_us : null),
    };
  }
  figures.totalsOf = (row) => ({
    bytes: row.bytes_client_to_server + row.bytes_server_to_client,
    opened: row.connections_opened, failures: failures(row), retransmits: row.retransmits,
    rttSum: row.rtt.mean_us * row.rtt.samples, rttSamples: row.rtt.samples,
  });

  /**
   * Where the window starts for a link: nothing, when the link was first seen within it; else the
   * oldest poll this page holds of it within the window (none yet: rates unknown).
   */
  function baseline(row, now) {
    const start = now - WINDOW_MS;
    if (row.first_seen && Date.parse(row.first_seen) >= start) {
      return { t: Date.parse(row.first_seen), row: null };
    }
    const id = linkId(row);
    for (const poll of state.history) {
      if (poll.t >= start && poll.t < now && poll.rows.has(id)) {
        return { t: poll.t, row: poll.rows.get(id) };
      }
    }
    return null;
  }

  function rate(value, unit) {
    if (value >= 1e9) return (value / 1e9).toFixed(1) + ' G' + unit;
    if (value >= 1e6) return (value / 1e6).toFixed(1) + ' M' + unit;
    if (value >= 1e3) return (value / 1e3).toFixed(1) + ' k' + unit;
    return (value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(2)) + ' ' + unit;
  }

  function edgeLabel(port, f) {
    const rtt = f.rttMeanUs === null ? 'rtt -' : 'rtt ' + Math.round(f.rttMeanUs) + ' µs';
    if (!f.rates) {
      return ':' + port + '  ' + exact(f.bytes) + ' B\n' + exact(f.opened) + ' conn  ' + exact(f.failures)
        + ' failed  ' + rtt + '  ' + exact(f.retransmits) + ' retrans';
    }
    if (f.unknown) {
      return ':' + port + '  (rates at the next poll)\n' + rtt;
    }
    return ':' + port + '  ' + rate(f.bytes, 'B/s') + '\n' + rate(f.opened, 'conn/s') + '  '
      + rate(f.failures, 'fail/s') + '  ' + rtt + '  ' + rate(f.retransmits, 'retrans/s');
  }

  /** The same colour for the same kind, from the kind's name. */
  function kindColor(kind) {
    let hash = 0;
    for (const c of kind) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
    return 'hsl(' + (hash % 360) + ', 55%, 52%)';
  }

  function matches(row) {
    const f = state.filter;
    if (!f) return true;
    if (String(row.server_port) === f || ':' + row.server_port === f) return true;
    return [row.client, row.server].some((end) =>
      end.namespace.toLowerCase().includes(f) || end.name.toLowerCase().includes(f) || end.kind.toLowerCase().includes(f));
  }

  /** Draws the counted links: adds what is new, updates what is there, removes what is gone. */
  function draw(now) {
    const nodes = new Map();
    const edges = new Map();
    for (const row of state.current) {
      for (const end of [row.client, row.server]) {
        nodes.set(endId(end), end);
      }
      const id = edgeId(row);
      const edge = edges.get(id) || { id, source: endId(row.client), target: endId(row.server), port: row.server_port, rows: [] };
      edge.rows.push(row);
      edges.set(id, edge);
    }
    let added = false;
    cy.batch(() => {
      cy.elements().forEach((element) => {
        const id = element.id();
        const keep = element.hasClass('namespace') ? [...nodes.values()].some((end) => 'ns:' + end.namespace === id)
          : element.isNode() ? nodes.has(id) : edges.has(id);
        if (!keep) cy.remove(element);
      });
      for (const [id, end] of nodes) {
        const parent = 'ns:' + end.namespace;
        if (cy.getElementById(parent).empty()) {
          cy.add({ group: 'nodes', data: { id: parent, label: end.namespace }, classes: 'namespace' });
          added = true;
        }
        if (cy.getElementById(id).empty()) {
          // A new end starts somewhere near the others (the layout keeps the old ends where they
          // are: one spot for all would leave the force-directed layout nothing to push apart).
          const extent = cy.extent();
          cy.add({ group: 'nodes', data: { id, parent, label: end.name + '\n' + end.kind, color: kindColor(end.kind),
            namespace: end.namespace, kind: end.kind, name: end.name },
            position: { x: extent.x1 + Math.random() * Math.max(extent.w, 400), y: extent.y1 + Math.random() * Math.max(extent.h, 300) } });
          added = true;
        }
      }
      for (const [id, edge] of edges) {
        const combined = combine(edge.rows.map((row) => figures(row, now)));
        const data = { id, source: edge.source, target: edge.target, port: edge.port,
          label: edgeLabel(edge.port, combined), failures: combined.failures, reasons: combined.reasons,
          width: combined.rates && !combined.unknown ? Math.min(1.5 + Math.log10(1 + combined.bytes), 9) : 2 };
        const existing = cy.getElementById(id);
        if (existing.empty()) {
          cy.add({ group: 'edges', data });
          added = true;
        } else {
          existing.data(data);
        }
        cy.getElementById(id).toggleClass('failed', combined.failures > 0);
        cy.getElementById(id).toggleClass('hidden', !edge.rows.some(matches));
      }
      cy.nodes().not('.namespace').forEach((node) => {
        const shown = node.connectedEdges().some((e) => !e.hasClass('hidden'));
        node.toggleClass('hidden', !shown);
      });
      cy.nodes('.namespace').forEach((ns) => ns.toggleClass('hidden', ns.children().not('.hidden').empty()));
    });
    if (added) {
      layout();
    } else if (state.firstDrawMs === null) {
      state.firstDrawMs = performance.now() - started;
    }
  }

  /** Sums the figures of one edge's links (IPv4 and IPv6 of the same port). */
  function combine(all) {
    const sum = { rates: all[0].rates, unknown: all.some((f) => f.unknown), bytes: 0, opened: 0, failures: 0,
      reasons: {}, retransmits: 0, rttMeanUs: null };
    let rttWeight = 0;
    for (const f of all) {
      sum.bytes += f.bytes; sum.opened += f.opened; sum.failures += f.failures; sum.retransmits += f.retransmits;
      for (const [reason, value] of Object.entries(f.reasons)) sum.reasons[reason] = (sum.reasons[reason] || 0) + value;
      if (f.rttMeanUs !== null) {
        sum.rttMeanUs = ((sum.rttMeanUs || 0) * rttWeight + f.rttMeanUs) / (rttWeight + 1);
        rttWeight++;
      }
    }
    return sum;
  }

  function layout() {
    const big = cy.nodes().length > 300;
    const run = cy.layout(big
      ? { name: 'grid', avoidOverlap: true, animate: false, fit: true }
      : { name: 'cose', animate: false, fit: true, padding: 30, nodeDimensionsIncludeLabels: true, randomize: false });
    run.one('layoutstop', () => {
      if (state.firstDrawMs === null) state.firstDrawMs = performance.now() - started;
    });
    run.run();
  }

  /** The table of the selected node's or edge's links, exact totals since first seen. */
  function showDetails() {
    const head = document.querySelector('#links thead');
    const body = document.querySelector('#links tbody');
    head.replaceChildren();
    body.replaceChildren();
    const title = byId('details-title');
    if (!state.selected) {
      title.textContent = 'Click a node or an edge for its links';
      return;
    }
    const { type, id } = state.selected;
    const rows = state.current.filter((row) => type === 'edge' ? edgeId(row) === id
      : endId(row.client) === id || endId(row.server) === id);
    title.textContent = (type === 'edge' ? 'Link ' : 'Links of ') + id + ' (' + rows.length + ', totals since first seen)';
    const columns = ['client', 'server', 'port', 'network', 'observer', 'bytes client→server', 'bytes server→client',
      'opened', 'active', 'failures', 'retransmits', 'RTT mean µs', 'first seen'];
    const headRow = document.createElement('tr');
    for (const column of columns) {
      const th = document.createElement('th');
      th.textContent = column;
      headRow.append(th);
    }
    head.append(headRow);
    for (const row of rows) {
      const tr = document.createElement('tr');
      const failed = Object.entries(row.connection_failures).map(([r, n]) => r + '=' + exact(n)).join(' ');
      const cells = [
        [endId(row.client)], [endId(row.server)], [String(row.server_port), 'number'], [row.network_type],
        [row.observer], [exact(row.bytes_client_to_server), 'number'], [exact(row.bytes_server_to_client), 'number'],
        [exact(row.connections_opened), 'number'], [exact(row.connections_active), 'number'],
        [failed || '0', failed ? 'failed' : 'number'], [exact(row.retransmits), 'number'],
        [row.rtt.samples ? row.rtt.mean_us.toFixed(1) : '-', 'number'], [row.first_seen || '-'],
      ];
      for (const [text, cls] of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      body.append(tr);
    }
  }

  function showStatus(answer) {
    const error = byId('error');
    if (state.error) {
      error.textContent = state.error;
      error.hidden = false;
    } else {
      error.hidden = true;
      error.textContent = '';
    }
    if (answer) {
      byId('status').textContent = answer.source + ' · ' + state.current.length + ' links · '
        + (answer.time ? 'as of ' + answer.time : 'waiting for the first poll');
    }
  }

  async function refresh() {
    let answer = null;
    try {
      const response = await fetch('api/links', { cache: 'no-store' });
      const text = await response.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new Error('HTTP ' + response.status + ', not JSON');
      }
      if (body && body.refresh_seconds > 0) {
        state.refreshSeconds = body.refresh_seconds;
      }
      if (!response.ok || !body || !Array.isArray(body.links)) {
        throw new Error(body && typeof body.error === 'string' ? body.error : 'HTTP ' + response.status);
      }
      answer = body;
      state.error = null;
      const now = body.time ? Date.parse(body.time) : Date.now();
      state.current = counted(body.links);
      draw(now);
      state.history.push({ t: now, rows: new Map(state.current.map((row) => [linkId(row), row])) });
      while (state.history.length && state.history[0].t < now - WINDOW_MS - state.refreshSeconds * 1000) {
        state.history.shift();
      }
      state.polls++;
      showDetails();
    } catch (e) {
      state.error = 'Cannot read the links: ' + e.message + ' (retrying every ' + state.refreshSeconds + ' s)';
    }
    showStatus(answer);
    setTimeout(refresh, state.refreshSeconds * 1000);
  }

  function redraw() {
    const last = state.history[state.history.length - 1];
    if (last) draw(last.t);
  }

  cy.on('tap', 'node, edge', (event) => {
    const target = event.target;
    if (target.hasClass('namespace')) return;
    state.selected = { type: target.isEdge() ? 'edge' : 'node', id: target.id() };
    showDetails();
  });
  const tip = byId('tip');
  cy.on('mouseover', 'edge', (event) => {
    const edge = event.target;
    const reasons = Object.entries(edge.data('reasons') || {});
    const unit = state.mode === 'start' ? '' : '/s';
    tip.textContent = edge.id() + (reasons.length
      ? '\nfailures: ' + reasons.map(([r, n]) => r + ' ' + (unit ? n.toFixed(2) + unit : exact(n))).join(', ')
      : '\nno failures');
    tip.style.left = (event.originalEvent.clientX + 12) + 'px';
    tip.style.top = (event.originalEvent.clientY + 12) + 'px';
    tip.hidden = false;
  });
  cy.on('mouseout', 'edge', () => { tip.hidden = true; });

  byId('filter').addEventListener('input', (event) => {
    state.filter = event.target.value.trim().toLowerCase();
    redraw();
  });
  for (const [button, mode] of [['window-5m', '5m'], ['window-start', 'start']]) {
    byId(button).addEventListener('click', () => {
      state.mode = mode;
      byId('window-5m').setAttribute('aria-pressed', String(mode === '5m'));
      byId('window-start').setAttribute('aria-pressed', String(mode === 'start'));
      redraw();
    });
  }

  window.chelonia = { cy, state };
  refresh();
})();
