// Administration page: invite someone (role → link), expert progress per
// rubric, flagged arena voters.
'use strict';

function simpleTable(id, headKeys, rows) {
  return el('div', { class: 'table-wrap' }, el('table', { id },
    el('thead', {}, el('tr', {}, ...headKeys.map((k) => el('th', { scope: 'col' }, t(k))))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, String(c))))))));
}

async function inviteSection() {
  const role = el('select', { id: 'invite-role' },
    ...['user', 'expert', 'team', 'admin'].map((r) => el('option', { value: r }, t('role_' + r))));
  const team = el('select', { id: 'invite-team' }, el('option', { value: '' }, t('no_team')));
  const out = el('div', { id: 'invite-result', class: 'result', 'aria-live': 'polite' });
  const form = el('form', { id: 'invite-create' },
    el('div', { class: 'field' }, el('label', { for: 'invite-role' }, t('role')), role),
    el('div', { class: 'field' }, el('label', { for: 'invite-team' }, t('team')), team),
    el('button', { type: 'submit', class: 'primary', id: 'invite-submit' }, t('create_invitation')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { role: role.value };
    if (team.value) body.team_id = Number(team.value);
    try {
      const r = await api('POST', '/api/invitations', body);
      const link = location.origin + r.url;
      const input = el('input', { id: 'invite-link', readonly: true, value: link, 'aria-label': 'URL' });
      const copy = el('button', { type: 'button', onclick: async () => {
        input.select();
        try { await navigator.clipboard.writeText(link); showStatus(t('copied'), 'ok'); } catch (e) { /* selected */ }
      } }, t('copy'));
      out.replaceChildren(el('p', {}, t('invitation_link', fmtTime(r.expires_ms))), input, copy);
    } catch (e) { reportError(e); }
  });
  api('GET', '/api/admin/teams').then((r) => {
    for (const tm of r.teams || []) {
      team.appendChild(el('option', { value: tm.id }, tm.name + ' (' + tm.anonymous_label + ')'));
    }
  }).catch(() => { /* teams are optional for invitations */ });
  return el('section', { class: 'card' }, el('h2', {}, t('invite_someone')), form, out);
}

async function progressSection() {
  const out = el('div', { id: 'progress' });
  const section = el('section', { class: 'card' }, el('h2', {}, t('expert_progress')));
  let rubrics = [];
  try { rubrics = (await api('GET', '/api/rubrics')).rubrics || []; } catch (e) { out.textContent = errorText(e); }
  if (!rubrics.length) { appendAll(section, [el('p', {}, t('no_rubrics')), out]); return section; }
  const pick = el('select', { id: 'progress-rubric' },
    ...rubrics.map((r) => el('option', { value: r.id }, r.name)));
  const show = async () => {
    try {
      const p = await api('GET', '/api/admin/expert/progress?rubric_id=' + encodeURIComponent(pick.value));
      out.replaceChildren(simpleTable('progress-table', ['col_expert', 'col_assigned', 'col_submitted'],
        (p.experts || []).map((x) => [x.username, x.assigned, x.submitted])));
    } catch (e) { out.textContent = errorText(e); }
  };
  pick.addEventListener('change', show);
  appendAll(section, [el('div', { class: 'field' }, el('label', { for: 'progress-rubric' }, t('rubric_label')), pick), out]);
  await show();
  return section;
}

async function flagsSection() {
  const out = el('div', { id: 'flags' });
  try {
    const f = await api('GET', '/api/admin/arena/flags');
    const voters = f.voters || [];
    out.replaceChildren(voters.length
      ? simpleTable('flags-table', ['col_user', 'col_reason'], voters.map((v) => [v.user_id, v.reason]))
      : el('p', {}, t('no_flags')));
  } catch (e) {
    out.replaceChildren(el('p', {}, e.status === 503 ? t('arena_unavailable') : errorText(e)));
  }
  return el('section', { class: 'card' }, el('h2', {}, t('arena_flags')), out);
}

async function renderAdmin() {
  const title = el('h1', {}, t('admin_title'));
  view().replaceChildren(title, el('p', {}, t('loading')));
  const gen = state.gen;
  const sections = await Promise.all([inviteSection(), progressSection(), flagsSection()]);
  if (gen !== state.gen) return;
  view().replaceChildren(title, ...sections);
}

addRoute(/^#\/admin$/, ['admin'], renderAdmin);
