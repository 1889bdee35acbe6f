// Arena pages: blind battles streamed side by side (SSE), the vote and the
// reveal; direct scoring of one answer; the live leaderboard.
'use strict';

const LAST_BATTLE_KEY = 'dokja.lastBattle';

function answerPanel(side, labelKey) {
  const text = el('div', { class: 'answer-text', id: 'answer-' + side, 'aria-live': 'polite',
    'aria-busy': 'true' });
  const panel = el('section', { class: 'answer', 'aria-labelledby': 'answer-h-' + side },
    el('h2', { id: 'answer-h-' + side }, t(labelKey)),
    el('p', { class: 'answer-state', id: 'answer-state-' + side }, t('streaming')), text);
  return { panel, text };
}

async function renderArena() {
  const root = view();
  const prompt = el('textarea', { id: 'prompt', name: 'prompt', rows: 4, required: true, maxlength: 8000 });
  const tasks = el('ul', { class: 'tasks', id: 'task-list' });
  const form = el('form', { id: 'battle-form', class: 'card' },
    el('h1', {}, t('arena_title')), el('p', {}, t('arena_intro')),
    el('div', { class: 'field' }, el('label', { for: 'prompt' }, t('prompt_label')), prompt),
    el('button', { type: 'submit', id: 'start-battle', class: 'primary' }, t('start_battle')),
    el('details', { id: 'tasks' }, el('summary', {}, t('task_list')), tasks));
  const stage = el('div', { id: 'battle' });
  root.replaceChildren(form, stage);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!prompt.value.trim()) { prompt.focus(); return; }
    form.querySelector('button[type=submit]').disabled = true;
    try {
      const battle = await api('POST', '/api/arena/battles', { prompt: prompt.value });
      runBattle(stage, battle.id);
    } catch (e) {
      reportError(e);
      form.querySelector('button[type=submit]').disabled = false;
    }
  });
  try {
    const reply = await api('GET', '/api/arena/prompts');
    for (const p of reply.prompts || []) {
      tasks.appendChild(el('li', {}, el('button', { type: 'button', class: 'task',
        onclick: () => { prompt.value = p.text; prompt.focus(); } }, p.text)));
    }
  } catch (e) {
    if (e.status === 503) showStatus(t('arena_unavailable')); else reportError(e);
  }
}

// Streams both answers of battle `id` into `stage`, then offers the vote.
function runBattle(stage, id) {
  try { sessionStorage.setItem(LAST_BATTLE_KEY, String(id)); } catch (e) { /* ignore */ }
  const left = answerPanel('left', 'model_a');
  const right = answerPanel('right', 'model_b');
  const votes = el('fieldset', { class: 'votes', id: 'votes', disabled: true },
    el('legend', {}, t('vote_legend')),
    ...[['left', 'vote_left'], ['right', 'vote_right'], ['tie', 'vote_tie'], ['both_bad', 'vote_both_bad']]
      .map(([choice, key]) => el('button', { type: 'button', id: 'vote-' + choice, 'data-choice': choice,
        onclick: () => castVote(id, choice, votes, result) }, t(key))));
  const result = el('div', { id: 'vote-result', class: 'result', 'aria-live': 'polite' });
  stage.replaceChildren(el('div', { class: 'pair' }, left.panel, right.panel), votes, result);
  const panels = { left, right };
  const source = new EventSource('/api/arena/battles/' + encodeURIComponent(id) + '/stream');
  let finished = false;
  const finish = (ok) => {
    if (finished) return;
    finished = true;
    source.close();
    for (const side of ['left', 'right']) {
      panels[side].text.setAttribute('aria-busy', 'false');
      document.getElementById('answer-state-' + side).textContent = ok ? t('answer_done') : '';
    }
    votes.disabled = !ok;
  };
  state.cleanup.push(() => { finished = true; source.close(); });
  source.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch (e) { return; }
    if (msg.error) { showStatus(t('stream_failed', msg.error)); finish(false); return; }
    if (msg.done) { finish(true); return; }
    const panel = panels[msg.side];
    if (panel && typeof msg.delta === 'string') panel.text.appendChild(document.createTextNode(msg.delta));
  };
  source.onerror = () => { if (!finished) recoverBattle(id, panels, finish); };
}

// The stream broke (or the server closed it early): read the stored answers.
async function recoverBattle(id, panels, finish) {
  try {
    const b = await api('GET', '/api/arena/battles/' + encodeURIComponent(id));
    if (b.state === 'ready' || b.state === 'voted') {
      panels.left.text.textContent = b.left_text || '';
      panels.right.text.textContent = b.right_text || '';
      finish(true);
      return;
    }
    showStatus(t('stream_failed', b.state || '?'));
  } catch (e) { showStatus(t('stream_failed', e.message)); }
  finish(false);
}

async function castVote(id, choice, votes, result) {
  votes.disabled = true;
  try {
    const r = await api('POST', '/api/arena/battles/' + encodeURIComponent(id) + '/vote',
      { choice, idempotency_key: randomKey() });
    result.replaceChildren(
      el('p', { id: 'vote-thanks' }, r.counted === false ? t('vote_not_counted') : t('vote_thanks')),
      el('p', { id: 'reveal', class: 'reveal' }, t('revealed', r.left_model, r.right_model)),
      el('p', {}, el('a', { href: '#/direct' }, t('nav_direct')), ' · ',
        el('button', { type: 'button', id: 'new-battle', onclick: () => route() }, t('new_battle'))));
    result.scrollIntoView({ block: 'nearest' });
  } catch (e) {
    votes.disabled = false;
    reportError(e);
  }
}

function renderDirect() {
  let battleId = null;
  try { battleId = sessionStorage.getItem(LAST_BATTLE_KEY); } catch (e) { battleId = null; }
  if (!battleId) { view().replaceChildren(el('p', { class: 'card' }, t('direct_no_battle'))); return; }
  const side = el('select', { id: 'direct-side' },
    el('option', { value: 'left' }, t('model_a')), el('option', { value: 'right' }, t('model_b')));
  const scores = el('fieldset', { class: 'scale' }, el('legend', {}, t('direct_score')),
    ...[1, 2, 3, 4, 5].map((n) => el('label', { class: 'radio' },
      el('input', { type: 'radio', name: 'direct-score', value: n, required: true }), String(n))));
  const comment = el('textarea', { id: 'direct-comment', rows: 3, maxlength: 4000 });
  const form = el('form', { class: 'card', id: 'direct-form' }, el('h1', {}, t('direct_title')),
    el('p', {}, t('direct_intro')),
    el('div', { class: 'field' }, el('label', { for: 'direct-side' }, t('direct_side')), side), scores,
    el('div', { class: 'field' }, el('label', { for: 'direct-comment' }, t('direct_comment')), comment),
    el('button', { type: 'submit', class: 'primary' }, t('direct_submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const picked = form.querySelector('input[name=direct-score]:checked');
    if (!picked) return;
    try {
      await api('POST', '/api/arena/direct', { battle_id: Number(battleId), side: side.value,
        score: Number(picked.value), comment: comment.value });
      showStatus(t('direct_saved'), 'ok');
    } catch (e) { reportError(e); }
  });
  view().replaceChildren(form);
}

// One row's 95% interval as a bar on the common scale [lo, hi].
function ciBar(m, lo, hi) {
  const span = hi > lo ? hi - lo : 1;
  const pct = (v) => Math.max(0, Math.min(100, ((v - lo) / span) * 100));
  const range = el('span', { class: 'ci-range' });
  range.style.left = pct(m.ci_lo) + '%';
  range.style.width = Math.max(0.5, pct(m.ci_hi) - pct(m.ci_lo)) + '%';
  const point = el('span', { class: 'ci-point' });
  point.style.left = pct(m.rating) + '%';
  const text = Math.round(m.ci_lo) + ' – ' + Math.round(m.ci_hi);
  return el('div', { class: 'ci-cell' }, el('div', { class: 'ci', 'aria-hidden': 'true' }, range, point),
    el('span', { class: 'ci-text' }, text));
}

async function renderLeaderboard() {
  const body = el('div', { id: 'leaderboard-body' });
  const refresh = el('button', { type: 'button', id: 'refresh', onclick: () => load() }, t('refresh'));
  view().replaceChildren(el('section', { class: 'card' },
    el('h1', {}, t('leaderboard_title')), refresh, body));
  async function load() {
    let data;
    try { data = await api('GET', '/api/arena/leaderboard'); } catch (e) {
      body.replaceChildren(el('p', {}, e.status === 503 ? t('arena_unavailable') : errorText(e)));
      return;
    }
    const models = data.models || [];
    if (!models.length) { body.replaceChildren(el('p', {}, t('no_models'))); return; }
    const lo = Math.min(...models.map((m) => m.ci_lo));
    const hi = Math.max(...models.map((m) => m.ci_hi));
    const rows = models.map((m, i) => el('tr', {},
      el('td', {}, String(i + 1)), el('th', { scope: 'row' }, m.name),
      el('td', { class: 'num' }, String(Math.round(m.rating))), el('td', {}, ciBar(m, lo, hi)),
      el('td', { class: 'num' }, String(m.votes))));
    body.replaceChildren(
      el('p', { id: 'leaderboard-summary' }, t('leaderboard_summary', data.votes, data.bootstrap_rounds)),
      el('div', { class: 'table-wrap' }, el('table', { id: 'leaderboard' },
        el('thead', {}, el('tr', {}, ...['col_rank', 'col_model', 'col_rating', 'col_interval', 'col_votes']
          .map((k) => el('th', { scope: 'col' }, t(k))))),
        el('tbody', {}, ...rows))));
  }
  await load();
  const timer = setInterval(load, 15000);
  state.cleanup.push(() => clearInterval(timer));
}

addRoute(/^#\/arena$/, ['user'], renderArena);
addRoute(/^#\/direct$/, ['user'], renderDirect);
addRoute(/^#\/leaderboard$/, ['admin', 'expert', 'user', 'team'], renderLeaderboard);
