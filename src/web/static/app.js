// Core of the single-page UI: DOM helpers, the JSON API client, session
// state, the hash router and the sign-in and invitation pages.
//
// Safety rule: data from the server or the user is only ever inserted as
// text (createTextNode / textContent / attribute values), never as HTML.
'use strict';

const state = {
  account: null,    // Account from /api/me or /api/login, null when signed out
  csrf: '',         // the session's CSRF token
  cleanup: [],      // functions run when the page changes (timers, streams)
  gen: 0,           // bumped on every page change; stale async renders stop
  next: '',         // the page asked for before signing in
};

// el('button', {type: 'button', onclick: f}, 'text', childNode, ...)
// Strings become text nodes; attributes are set one by one.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (key === 'text') {
      node.textContent = String(value);
    } else if (value === true) {
      node.setAttribute(key, '');
    } else {
      node.setAttribute(key, String(value));
    }
  }
  appendAll(node, children);
  return node;
}

function appendAll(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(typeof child === 'string' || typeof child === 'number'
      ? document.createTextNode(String(child)) : child);
  }
}

function view() { return document.getElementById('view'); }

function showStatus(message, kind) {
  const box = document.getElementById('status');
  box.textContent = message || '';
  box.className = 'status' + (message ? ' ' + (kind || 'error') : '');
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || ('HTTP ' + status));
    this.status = status;
    this.code = code || '';
  }
}

// Calls the JSON API. State changes carry the CSRF token (signed in) and
// X-Requested-With (needed by the public ones: log-in, redeem).
async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (method !== 'GET') {
    headers['X-Requested-With'] = 'dokja';
    if (state.csrf) headers['X-CSRF-Token'] = state.csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', t('err_network'));
  }
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code, err.message);
  }
  return data || {};
}

// A user-facing sentence for an error.
function errorText(e) {
  if (e && e.code === 'unauthenticated') return t('err_unauthenticated');
  if (e && e.code === 'forbidden') return t('err_forbidden');
  if (e && e.code === 'rate_limited') return t('err_rate_limited');
  return t('error_prefix', (e && e.message) || String(e));
}

function reportError(e) {
  showStatus(errorText(e), 'error');
  if (e && e.status === 401) { setSession(null, ''); go('#/login'); }
}

// A random idempotency key; crypto.randomUUID needs a secure context.
function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function setSession(account, csrf) {
  state.account = account;
  state.csrf = csrf || '';
  renderChrome();
}

function hasRole(...roles) { return !!state.account && roles.includes(state.account.role); }

function homeFor(account) {
  if (!account) return '#/login';
  return { admin: '#/admin', expert: '#/expert', user: '#/arena', team: '#/leaderboard' }[account.role]
    || '#/leaderboard';
}

function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

function fmtTime(ms) {
  try { return new Date(Number(ms)).toLocaleString(currentLang === 'ko' ? 'ko-KR' : 'en-GB'); }
  catch (e) { return String(ms); }
}

// Routes: [pattern, roles (empty: anyone), render(match)]. Filled by the
// page scripts through addRoute before main.js starts the router.
const routes = [];
function addRoute(pattern, roles, render) { routes.push({ pattern, roles, render }); }

async function route() {
  for (const fn of state.cleanup.splice(0)) { try { fn(); } catch (e) { /* ignore */ } }
  state.gen++;
  const hash = location.hash || '#/';
  showStatus('');
  for (const r of routes) {
    const m = hash.match(r.pattern);
    if (!m) continue;
    if (r.roles.length && !state.account) { state.next = hash; go('#/login'); return; }
    if (r.roles.length && !hasRole(...r.roles)) { showStatus(t('err_forbidden')); go(homeFor(state.account)); return; }
    view().replaceChildren();
    markNav();
    try { await r.render(m); } catch (e) { reportError(e); }
    return;
  }
  if (hash === '#/' || hash === '#') { go(homeFor(state.account)); return; }
  view().replaceChildren(el('h1', {}, t('not_found')));
}

// Header: navigation for the signed-in role, who is signed in, language.
function renderChrome() {
  document.getElementById('brand').textContent = t('app_name');
  document.getElementById('skip-link').textContent = t('skip_to_content');
  document.getElementById('lang-label').textContent = t('language');
  document.getElementById('lang-select').value = currentLang;
  const links = [];
  if (hasRole('user')) links.push(['#/arena', 'nav_arena'], ['#/direct', 'nav_direct']);
  if (hasRole('expert')) links.push(['#/expert', 'nav_expert']);
  if (hasRole('admin')) links.push(['#/admin', 'nav_admin']);
  if (state.account) links.push(['#/leaderboard', 'nav_leaderboard']);
  else links.push(['#/login', 'nav_login']);
  document.getElementById('nav').replaceChildren(
    ...links.map(([href, key]) => el('a', { href, 'data-route': href }, t(key))));
  const who = document.getElementById('whoami');
  who.textContent = state.account
    ? t('signed_in_as', state.account.display_name || state.account.username, t('role_' + state.account.role))
    : '';
  const logout = document.getElementById('logout');
  logout.textContent = t('logout');
  logout.hidden = !state.account;
  markNav();
}

function markNav() {
  const hash = location.hash || '';
  for (const a of document.querySelectorAll('#nav a')) {
    if (hash.startsWith(a.getAttribute('data-route'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// A labelled input: returns [wrapper, input].
function field(id, labelKey, attrs, hintKey) {
  const input = el(attrs.tag || 'input', Object.assign({ id, name: id }, attrs, { tag: undefined }));
  if (hintKey) input.setAttribute('aria-describedby', id + '-hint');
  const wrap = el('div', { class: 'field' }, el('label', { for: id }, t(labelKey)), input,
    hintKey ? el('small', { id: id + '-hint' }, t(hintKey)) : null);
  return [wrap, input];
}

function renderLogin() {
  const [userWrap, user] = field('login-username', 'username', { autocomplete: 'username', required: true });
  const [passWrap, pass] = field('login-password', 'password',
    { type: 'password', autocomplete: 'current-password', required: true });
  const form = el('form', { id: 'login-form', class: 'card narrow' },
    el('h1', {}, t('login_title')), userWrap, passWrap,
    el('button', { type: 'submit', id: 'login-submit', class: 'primary' }, t('login_button')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const reply = await api('POST', '/api/login', { username: user.value, password: pass.value });
      setSession(reply.account, reply.csrf);
      const next = state.next;
      state.next = '';
      go(next || homeFor(reply.account));
    } catch (e) {
      showStatus(e.status === 401 ? t('login_failed') : errorText(e));
      pass.value = '';
      pass.focus();
    }
  });
  view().replaceChildren(form);
  user.focus();
}

async function renderInvite(m) {
  const token = decodeURIComponent(m[1]);
  const path = '/api/invitations/' + encodeURIComponent(token);
  let info;
  try { info = await api('GET', path); } catch (e) {
    view().replaceChildren(el('p', { class: 'card', id: 'invite-invalid' }, t('invite_invalid')));
    return;
  }
  const [uWrap, user] = field('invite-username', 'username', { autocomplete: 'username', required: true });
  const [dWrap, disp] = field('invite-display', 'display_name', { autocomplete: 'name', required: true });
  const [pWrap, pass] = field('invite-password', 'password',
    { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }, 'password_hint');
  const form = el('form', { id: 'invite-form', class: 'card narrow' },
    el('h1', {}, t('invite_title')), el('p', {}, t('invite_role', t('role_' + info.role))),
    uWrap, dWrap, pWrap, el('button', { type: 'submit', class: 'primary' }, t('invite_button')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const reply = await api('POST', path + '/redeem',
        { username: user.value, display_name: disp.value, password: pass.value });
      setSession(reply.account, reply.csrf);
      go(homeFor(reply.account));
    } catch (e) { showStatus(errorText(e)); }
  });
  view().replaceChildren(form);
}

addRoute(/^#\/login$/, [], renderLogin);
addRoute(/^#\/invite\/([^/]+)$/, [], renderInvite);
