// Expert pages: the list of one's assignments, and one assignment with its
// materials, the rubric (Korean and English), score radios and comments per
// criterion, save draft and submit (after an in-page confirmation).
'use strict';

async function renderExpertList() {
  const data = await api('GET', '/api/expert/assignments');
  const items = (data.assignments || []).map((a) => el('li', { class: 'assignment' },
    el('a', { href: '#/expert/' + encodeURIComponent(a.id), class: 'button-like',
      id: 'assignment-' + a.id }, t('expert_team', a.team_label)),
    el('span', { class: a.submitted ? 'badge done' : 'badge' },
      a.submitted ? t('status_submitted') : t('status_open'))));
  view().replaceChildren(el('section', { class: 'card' }, el('h1', {}, t('expert_title')),
    items.length ? el('ul', { class: 'assignments', id: 'assignments' }, ...items)
      : el('p', {}, t('expert_none'))));
}

// The criterion's name and description in the current language, with the
// other language kept beside it for reference.
function criterionTexts(c) {
  const ko = currentLang === 'ko';
  return {
    name: (ko ? c.name_ko : c.name_en) || c.name_en || c.name_ko || c.key,
    other: ko ? c.name_en : c.name_ko,
    description: (ko ? c.description_ko : c.description_en) || c.description_en || c.description_ko || '',
    otherDescription: ko ? c.description_en : c.description_ko,
  };
}

function criterionFieldset(c, prior, locked) {
  const texts = criterionTexts(c);
  const radios = [];
  for (let v = Number(c.scale_min); v <= Number(c.scale_max); v++) {
    radios.push(el('label', { class: 'radio' }, el('input', { type: 'radio', name: 'score-' + c.id,
      value: v, checked: prior && Number(prior.score) === v, disabled: locked,
      'aria-label': t('score_for', texts.name) + ': ' + v }), String(v)));
  }
  const commentId = 'comment-' + c.id;
  return el('fieldset', { class: 'criterion', 'data-criterion': c.id },
    el('legend', {}, texts.name),
    texts.other ? el('p', { class: 'other-lang', lang: currentLang === 'ko' ? 'en' : 'ko' }, texts.other) : null,
    el('p', { class: 'description' }, texts.description),
    texts.otherDescription ? el('details', {}, el('summary', {}, currentLang === 'ko' ? 'English' : '한국어'),
      el('p', { lang: currentLang === 'ko' ? 'en' : 'ko' }, texts.otherDescription)) : null,
    el('div', { class: 'scale', role: 'radiogroup', 'aria-label': t('score_for', texts.name) }, ...radios),
    el('div', { class: 'field' }, el('label', { for: commentId }, t('comment')),
      el('textarea', { id: commentId, rows: 2, maxlength: 4000, disabled: locked, text: prior ? prior.comment || '' : '' })));
}

// Reads the form: [{criterion_id, score, comment}] for scored criteria, and
// whether every criterion has a score.
function collectScores(form, criteria) {
  const scores = [];
  let complete = true;
  for (const c of criteria) {
    const picked = form.querySelector('input[name="score-' + c.id + '"]:checked');
    const comment = form.querySelector('#comment-' + c.id).value;
    if (picked) scores.push({ criterion_id: c.id, score: Number(picked.value), comment });
    else complete = false;
  }
  return { scores, complete };
}

async function renderAssignment(m) {
  const id = m[1];
  const path = '/api/expert/assignments/' + encodeURIComponent(id);
  const d = await api('GET', path);
  const a = (d.assignment && typeof d.assignment === 'object') ? d.assignment : { id: d.assignment };
  const locked = Number(a.submitted_ms || 0) > 0 || a.submitted === true;
  const criteria = (d.rubric && d.rubric.criteria) || [];
  const prior = new Map((d.scores || []).map((s) => [Number(s.criterion_id), s]));
  const materials = (d.materials || []).map((mat) => el('li', {},
    el('a', { href: '/api/expert/materials/' + encodeURIComponent(mat.id), download: '' }, mat.title),
    ' ', el('small', {}, '(' + mat.media_type + ', ' + Math.ceil(Number(mat.size_bytes) / 1024) + ' KiB)')));
  const form = el('form', { id: 'score-form' },
    ...criteria.map((c) => criterionFieldset(c, prior.get(Number(c.id)), locked)));
  const note = el('div', { id: 'score-note', class: 'result', 'aria-live': 'polite' },
    locked ? t('submitted_at', fmtTime(a.submitted_ms)) : '');
  const actions = locked ? null : scoreActions(form, criteria, path, note);
  view().replaceChildren(el('section', { class: 'card' },
    el('p', {}, el('a', { href: '#/expert' }, t('back_to_list'))),
    el('h1', {}, t('expert_team', d.team_label)),
    el('h2', {}, t('materials')),
    materials.length ? el('ul', { id: 'materials' }, ...materials) : el('p', {}, t('no_materials')),
    el('h2', {}, t('rubric') + ': ' + ((d.rubric && d.rubric.name) || '')), form, actions, note));
}

function scoreActions(form, criteria, path, note) {
  const confirmBox = el('div', { id: 'submit-confirm', class: 'confirm', hidden: true, role: 'alertdialog',
    'aria-labelledby': 'submit-confirm-text' }, el('p', { id: 'submit-confirm-text' }, t('submit_confirm')));
  const saveDraft = async () => {
    await api('PUT', path + '/scores', { scores: collectScores(form, criteria).scores });
  };
  const draft = el('button', { type: 'button', id: 'save-draft', onclick: async () => {
    try { await saveDraft(); note.textContent = t('draft_saved'); } catch (e) { reportError(e); }
  } }, t('save_draft'));
  const submit = el('button', { type: 'button', id: 'submit-scores', class: 'primary', onclick: () => {
    if (!collectScores(form, criteria).complete) { showStatus(t('incomplete')); return; }
    confirmBox.hidden = false;
    document.getElementById('confirm-yes').focus();
  } }, t('submit_scores'));
  const yes = el('button', { type: 'button', id: 'confirm-yes', class: 'primary', onclick: async () => {
    try {
      await saveDraft();
      const r = await api('POST', path + '/submit', {});
      for (const input of form.querySelectorAll('input, textarea')) input.disabled = true;
      confirmBox.hidden = true;
      draft.hidden = true;
      submit.hidden = true;
      note.textContent = t('submitted_at', fmtTime(r.submitted_ms));
    } catch (e) { reportError(e); }
  } }, t('submit_yes'));
  const no = el('button', { type: 'button', id: 'confirm-no', onclick: () => {
    confirmBox.hidden = true;
    submit.focus();
  } }, t('submit_no'));
  appendAll(confirmBox, [yes, no]);
  return el('div', { class: 'actions' }, draft, submit, confirmBox);
}

addRoute(/^#\/expert$/, ['expert'], renderExpertList);
addRoute(/^#\/expert\/(\d+)$/, ['expert'], renderAssignment);
